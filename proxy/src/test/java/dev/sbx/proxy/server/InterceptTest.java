package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import dev.sbx.proxy.tls.ProxyCa;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS interception and credential injection (checklist C, D, F, G) with real curl. */
class InterceptTest {
  @TempDir Path tmp;
  Harness h;
  Origin anthropic;
  Origin openai;
  Origin github;
  Origin pypi;
  Origin pypiPlain;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    anthropic = h.tls("api.anthropic.com");
    openai = h.tls("api.openai.com");
    github = h.tls("api.github.com");
    pypi = h.tls("pypi.org");
    pypiPlain = h.plain("pypi.org");
    h.plain("api.anthropic.com");
    h.tls("gist.github.com");
    // An intercepted host whose origin presents a certificate from an untrusted CA.
    h.tls("api.mistral.ai", ProxyCa.create("rogue", tmp.resolve("rogue.pem")).mintLeaf("api.mistral.ai"), 443);
    // ... an expired one, and one naming another host.
    Instant now = Instant.now();
    h.tls("api.groq.com", h.originCa.mintLeaf("api.groq.com", now.minus(Duration.ofDays(30)),
        now.minus(Duration.ofDays(1))), 443);
    h.tls("api.x.ai", h.originCa.mintLeaf("wrong.example"), 443);
    h.rules("allow api.anthropic.com:443,api.openai.com:443,github.com,api.github.com,*.npmjs.org,pypi.org",
        "allow api.mistral.ai,api.groq.com,api.x.ai");
    h.secret("anthropic", "REAL-ANT").secret("openai", "REAL-OAI").secret("github", "REAL-GH")
        .secret("mistral", "REAL-MIS").secret("groq", "REAL-GRQ").secret("xai", "REAL-XAI");
    h.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }


  private Curl.Result curl(String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("-x", h.proxyUrl(), "--cacert", h.ca()));
    a.addAll(List.of(args));
    // The test origin echoes request headers in its body, so the client may see secrets there.
    return Curl.run(a);
  }

  @Test
  void p77PlaceholderReplacedExactlyOnce() throws Exception {
    Curl.Result r = curl("-H", "x-api-key: proxy-managed", "-d", "{}", "https://api.anthropic.com/v1/messages");
    assertEquals("200 200 0", r.codes(), r.err());
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
    assertEquals("POST", anthropic.last().method());
    assertEquals(2, anthropic.last().bodyLength());
    LogRecord rec = h.awaitLog(l -> "POST".equals(l.method()));
    assertEquals("intercept", rec.mode());
    assertEquals("anthropic", rec.service());
  }

  @Test
  void p78NoKeyHeaderNothingAdded() throws Exception {
    Curl.Result r = curl("https://api.anthropic.com/v1/models");
    assertEquals("200 200 0", r.codes(), r.err() + h.logText());
    assertTrue(anthropic.last().all("x-api-key").isEmpty());
    assertTrue(anthropic.last().all("authorization").isEmpty());
  }

  @Test
  void p79OtherValuesPassUntouched() throws Exception {
    for (String header : List.of("Authorization: Bearer sk-ant-oat01-abcdef", "Authorization: update-token abc",
        "x-api-key: PROXY-MANAGED", "x-api-key: proxy-managed2", "x-api-key: Bearer proxy-managed extra")) {
      assertEquals("200 200 0", curl("-H", header, "https://api.anthropic.com/v1/x").codes());
      String name = header.substring(0, header.indexOf(':'));
      assertEquals(List.of(header.substring(header.indexOf(':') + 2)), anthropic.last().all(name), header);
    }
    assertEquals("200 200 0", curl("-H", "Authorization: Bearer proxy-managed extra", "https://api.openai.com/v1/x").codes());
    assertEquals(List.of("Bearer proxy-managed extra"), openai.last().all("authorization"));
  }

  @Test
  void p80AllClientCopiesReplacedByOne() throws Exception {
    curl("-H", "X-Api-Key: proxy-managed", "-H", "x-api-key: other", "https://api.anthropic.com/v1/x");
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
  }

  @Test
  void p81ConnectionNamingTheKeyCannotDropIt() throws Exception {
    curl("-H", "Connection: x-api-key", "-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
    assertTrue(anthropic.last().all("connection").stream().noneMatch(v -> v.contains("x-api-key")));
  }

  @Test
  void p82KeysNeverCrossServices() throws Exception {
    curl("-H", "x-api-key: proxy-managed", "https://api.openai.com/v1/x");
    assertEquals(List.of("proxy-managed"), openai.last().all("x-api-key"));
    curl("-H", "Authorization: Bearer proxy-managed", "https://api.openai.com/v1/x");
    assertEquals(List.of("Bearer REAL-OAI"), openai.last().all("authorization"));
    curl("-H", "Authorization: Bearer proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals(List.of("Bearer proxy-managed"), anthropic.last().all("authorization"));
  }

  @Test
  void p83p84NoSubstitutionOnTunnelsOrPlainHttp() throws Exception {
    // pypi.org has no binding: opaque tunnel, so the client must trust the origin CA itself.
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "--cacert", h.originCaFile.toString(), "-H", "x-api-key: proxy-managed",
        "https://pypi.org/simple?k=proxy-managed");
    assertEquals("200 200 0", r.codes(), r.err());
    assertEquals(List.of("proxy-managed"), pypi.last().all("x-api-key"));
    curl("-H", "x-api-key: proxy-managed", "http://pypi.org/simple");
    assertEquals(List.of("proxy-managed"), pypiPlain.last().all("x-api-key"));
    Curl.Result plain = curl("-H", "x-api-key: proxy-managed", "http://api.anthropic.com/");
    assertEquals("403 000 0", plain.codes());
  }

  @Test
  void p85GithubSchemesKeepSchemeAndUser() throws Exception {
    curl("-H", "Authorization: token proxy-managed", "https://api.github.com/user");
    assertEquals(List.of("token REAL-GH"), github.last().all("authorization"));
    curl("-H", "Authorization: Bearer proxy-managed", "https://api.github.com/user");
    assertEquals(List.of("Bearer REAL-GH"), github.last().all("authorization"));
    curl("-u", "x-access-token:proxy-managed", "https://api.github.com/repo.git/info/refs");
    String basic = github.last().header("authorization");
    assertEquals("x-access-token:REAL-GH",
        new String(Base64.getDecoder().decode(basic.substring("Basic ".length())), StandardCharsets.UTF_8));
    curl("-u", "x-access-token:other", "https://api.github.com/repo.git/info/refs");
    assertEquals("Basic " + Base64.getEncoder().encodeToString("x-access-token:other".getBytes(StandardCharsets.UTF_8)),
        github.last().header("authorization"));
  }

  @Test
  void p86RedirectsRelayedNeverFollowed() throws Exception {
    Curl.Result r = curl("-H", "Authorization: token proxy-managed", "https://api.github.com/redirect");
    assertEquals("302 200 0", r.codes());
    assertEquals(1, github.seen.size());
  }

  @Test
  void p87EchoedSecretScrubbedFromResponseHeaders() throws Exception {
    Curl.Result r = curl("-i", "-H", "x-api-key: proxy-managed", "https://api.anthropic.com/echo-key");
    assertTrue(r.out().toLowerCase().contains("x-echo: key=proxy-managed"), r.out());
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
  }

  @Test
  void p29p30CaseAndTrailingDotNormalised() throws Exception {
    Curl.Result r = curl("-H", "x-api-key: proxy-managed", "https://API.ANTHROPIC.COM./v1/x");
    assertEquals("200 200 0", r.codes(), r.err());
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
    assertEquals("api.anthropic.com", anthropic.last().header("host"));
  }

  @Test
  void p44ForgedInnerHostRefused() throws Exception {
    Curl.Result r = curl("-H", "Host: evil.example", "-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals("403 200 0", r.codes());
    assertTrue(anthropic.seen.isEmpty());
  }

  @Test
  void p45AbsoluteFormForAnotherHostRefusedSameHostRewritten() throws Exception {
    Curl.Result r = curl("--request-target", "https://gist.github.com/x", "https://api.github.com/");
    assertEquals("403 200 0", r.codes());
    Curl.Result ok = curl("--request-target", "https://api.github.com/y?z", "https://api.github.com/");
    assertEquals("200 200 0", ok.codes());
    assertEquals("/y?z", github.last().uri());
  }

  @Test
  void p46KeepAliveSecondHostRefused() throws Exception {
    Curl.Result r = curl("https://api.github.com/a", "-H", "Host: uploads.github.com", "https://api.github.com/b");
    assertTrue(r.out().contains("does not match the tunnel host"), r.out());
  }

  @Test
  void p48LeafCertificateShape() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.github.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.github.com", List.of("http/1.1"))) {
      var leaf = (java.security.cert.X509Certificate) tls.getSession().getPeerCertificates()[0];
      assertEquals("[[2, api.github.com]]", leaf.getSubjectAlternativeNames().toString());
      assertEquals(-1, leaf.getBasicConstraints());
      assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
      assertEquals("EC", leaf.getPublicKey().getAlgorithm());
      assertTrue(leaf.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(100))));
      assertEquals("http/1.1", tls.getApplicationProtocol());
      Path leafPem = tmp.resolve("leaf.pem");
      Files.write(leafPem, ProxyCa.pem(leaf));
      Process p = new ProcessBuilder("openssl", "verify", "-x509_strict", "-CAfile", h.ca(), leafPem.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
    }
  }

  @Test
  void p50H2OnlyClientGetsNoApplicationProtocol() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.github.com:443", new StringBuilder());
    SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
        () -> TunnelClient.tls(s, Path.of(h.ca()), "api.github.com", List.of("h2")).close());
    assertTrue(e.getMessage().contains("no_application_protocol") || e.getMessage().contains("application protocol"),
        e.getMessage());
  }

  @Test
  void p49Http2OfferFallsBackToHttp11() throws Exception {
    Curl.Result r = curl("--http2", "-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals("200 200 0", r.codes(), r.err());
  }

  @Test
  void p68GetWithBodyReframedAndP70MissingHostRefused() throws Exception {
    Curl.Result r = curl("-X", "GET", "-d", "hello", "https://api.anthropic.com/body");
    assertEquals("200 200 0", r.codes());
    assertEquals(5, anthropic.last().bodyLength());
    Socket s = TunnelClient.connect(h.address(), "api.github.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.github.com", List.of("http/1.1"))) {
      tls.getOutputStream().write("GET /nohost HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
    }
    assertTrue(github.seen.isEmpty());
  }

  @Test
  void p52ConnectInsideTunnelRefused() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.github.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.github.com", List.of("http/1.1"))) {
      tls.getOutputStream().write("CONNECT evil.com:443 HTTP/1.1\r\nHost: api.github.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(resp.startsWith("HTTP/1.1 405 "), resp);
    }
  }

  @Test
  void p53BadUpstreamCertificatesAre502AndNothingSent() throws Exception {
    for (String host : List.of("api.mistral.ai", "api.groq.com", "api.x.ai")) {
      Curl.Result r = curl("-H", "Authorization: Bearer proxy-managed", "https://" + host + "/v1/x");
      assertEquals("502 200 0", r.codes(), host + " " + r.out() + r.err() + h.logText());
      assertTrue(r.body().contains("upstream TLS"), r.body());
    }
  }

  @Test
  void p54NoSniGetsLeafForConnectHost() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    // Without SNI the JDK cannot check the name; the leaf must still be for the CONNECT host.
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), null, List.of("http/1.1"))) {
      var leaf = (java.security.cert.X509Certificate) tls.getSession().getPeerCertificates()[0];
      assertEquals("[[2, api.anthropic.com]]", leaf.getSubjectAlternativeNames().toString());
      tls.getOutputStream().write(("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: proxy-managed\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      tls.getInputStream().readAllBytes();
    }
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
  }

  @Test
  void p89SseStreamsThroughInterception() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      tls.getOutputStream().write(("GET /sse HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: proxy-managed\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      SseReader.expectEachEventBeforeTheNext(tls.getInputStream(), anthropic.sseFeed);
    }
  }

  @Test
  void p101RotatedSecretUsedForNextRequest() throws Exception {
    curl("-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
    h.secret("anthropic", "REAL-ANT-2");
    long deadline = System.nanoTime() + 5_000_000_000L;
    do {
      curl("-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    } while (!anthropic.last().all("x-api-key").equals(List.of("REAL-ANT-2")) && System.nanoTime() < deadline);
    assertEquals(List.of("REAL-ANT-2"), anthropic.last().all("x-api-key"));
    int before = anthropic.seen.size();
    curl("-H", "x-api-key: proxy-managed", "https://api.anthropic.com/v1/x");
    assertEquals(List.of("REAL-ANT-2"), anthropic.seen.get(before).all("x-api-key"));
  }

  @Test
  void p90WebSocketThroughInterceptedTunnel() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      tls.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: api.anthropic.com\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "x-api-key: proxy-managed\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      var in = tls.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        assertTrue(b >= 0, "closed during handshake: " + head);
        head.append((char) b);
      }
      assertTrue(head.toString().startsWith("HTTP/1.1 101 "), head.toString());
      // One masked text frame "hi" (mask 0x01020304).
      byte[] mask = {1, 2, 3, 4};
      byte[] payload = "hi".getBytes(StandardCharsets.US_ASCII);
      byte[] frame = {(byte) 0x81, (byte) (0x80 | payload.length), 1, 2, 3, 4,
          (byte) (payload[0] ^ mask[0]), (byte) (payload[1] ^ mask[1])};
      tls.getOutputStream().write(frame);
      byte[] reply = in.readNBytes(2 + "echo: hi".length());
      assertEquals((byte) 0x81, reply[0]);
      assertEquals("echo: hi", new String(reply, 2, reply.length - 2, StandardCharsets.US_ASCII));
    }
    assertEquals(List.of("REAL-ANT"), anthropic.last().all("x-api-key"));
    assertEquals("/ws", anthropic.last().uri());
  }

  @Test
  void p91EarlyBytesAfterUpgradeRequestAreNeverForwarded() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      // Upgrade request to a path that refuses it, followed at once by a frame and a smuggled request.
      tls.getOutputStream().write(("GET /not-ws HTTP/1.1\r\nHost: api.anthropic.com\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
          + "\u0081\u0082abcd\r\nGET /smuggled HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      tls.getInputStream().readAllBytes(); // until the proxy closes
    }
    assertTrue(anthropic.seen.stream().noneMatch(x -> x.uri().equals("/smuggled")), anthropic.seen.toString());
  }

  @Test
  void p71H2cUpgradeInsideAnInterceptedTunnelIsStripped() throws Exception {
    Curl.Result r = curl("-H", "Connection: Upgrade, HTTP2-Settings", "-H", "Upgrade: h2c",
        "-H", "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA", "-H", "x-api-key: proxy-managed", "https://api.anthropic.com/h2c");
    assertEquals("200 200 0", r.codes(), r.err());
    Origin.Seen s = anthropic.last();
    assertEquals("/h2c", s.uri());
    for (String name : List.of("Upgrade", "HTTP2-Settings", "Connection")) {
      assertTrue(s.all(name).isEmpty(), name + " reached the origin: " + s.headers());
    }
    assertEquals(List.of("REAL-ANT"), s.all("x-api-key"));
  }

  @Test
  void leavesAreMintedOncePerHost() throws Exception {
    curl("https://api.anthropic.com/1");
    curl("https://api.anthropic.com/2");
    curl("https://api.openai.com/1");
    assertEquals(2, h.proxy.leafMints());
  }
}
