package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain HTTP through the proxy with real curl (checklist A, E). */
class ForwardProxyTest {
  @TempDir Path tmp;
  Harness h;
  Origin pypi;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    pypi = h.plain("pypi.org");
    h.plain("evil.example");
    h.rules("allow pypi.org");
    h.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  @Test
  void p3AllowedRequestForwardedAsOriginForm() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "http://pypi.org/simple/?q=1");
    assertEquals("200 000 0", r.codes(), r.err());
    assertTrue(r.body().startsWith("REQUEST GET /simple/?q=1\n"), r.body());
    assertEquals("pypi.org", pypi.last().header("Host"));
    LogRecord last = h.awaitLog(l -> "GET".equals(l.method()));
    assertEquals("allow", last.decision());
    assertEquals("http", last.mode());
    assertEquals("pypi.org", last.host());
    assertEquals(80, last.port());
    assertEquals("127.0.0.1", last.address());
    assertEquals("pypi.org", last.ruleText());
  }

  @Test
  void p2DeniedRequestGets403WithOneLineBody() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "http://example.org/");
    assertEquals("403 000 0", r.codes());
    assertEquals("Blocked by network policy: example.org:80 (rule: default deny)\n", r.body());
    LogRecord last = h.awaitLog(l -> "example.org".equals(l.host()));
    assertEquals("deny", last.decision());
    assertEquals("default-deny", last.reason());
  }

  @Test
  void p60HostHeaderIgnoredForAbsoluteForm() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "-H", "Host: evil.example", "http://pypi.org/x");
    assertEquals("200 000 0", r.codes());
    assertEquals("pypi.org", pypi.last().header("Host"));
    assertEquals(1, pypi.last().all("Host").size());
  }

  @Test
  void p10ProxyAuthorizationAndHopByHopStripped() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "-H", "Proxy-Authorization: Basic Zm9vOmJhcg==",
        "-H", "Connection: keep-alive, X-Secret-Hop", "-H", "X-Secret-Hop: 1", "-H", "Keep-Alive: timeout=5",
        "-H", "TE: trailers", "-H", "Upgrade: h2c", "-H", "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA",
        "http://pypi.org/hop");
    assertEquals("200 000 0", r.codes(), r.err());
    Origin.Seen s = pypi.last();
    for (String name : List.of("Proxy-Authorization", "X-Secret-Hop", "Keep-Alive", "TE", "Upgrade", "HTTP2-Settings",
        "Proxy-Connection")) {
      assertTrue(s.all(name).isEmpty(), name + " leaked: " + s.headers());
    }
  }

  @Test
  void p75KeepAliveSecondHostJudgedOnItsOwn() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "http://pypi.org/one", "http://evil.example/two");
    assertTrue(r.out().contains("REQUEST GET /one"), r.out());
    assertTrue(r.out().contains("Blocked by network policy: evil.example:80 (rule: default deny)"), r.out());
    assertEquals(1, pypi.seen.size());
  }

  @Test
  void p59HttpsAbsoluteFormAndOriginFormRefused() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      String resp = c.send("GET https://api.anthropic.com/ HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: proxy-managed\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
      assertTrue(resp.contains("must use CONNECT"), resp);
    }
    try (RawClient c = new RawClient(h.address())) {
      assertTrue(c.send("GET /x HTTP/1.1\r\nHost: pypi.org\r\n\r\n").readAll().startsWith("HTTP/1.1 400 "));
    }
    try (RawClient c = new RawClient(h.address())) {
      assertTrue(c.send("GET pypi.org:80 HTTP/1.1\r\nHost: pypi.org\r\n\r\n").readAll().startsWith("HTTP/1.1 400 "));
    }
    try (RawClient c = new RawClient(h.address())) {
      assertTrue(c.send("CONNECT http://pypi.org/ HTTP/1.1\r\nHost: pypi.org\r\n\r\n").readAll().startsWith("HTTP/1.1 400 "));
    }
    assertEquals(0, pypi.seen.size());
  }

  @Test
  void p74MalformedUpstreamResponsesAre502() throws Exception {
    for (String bad : List.of(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n")) {
      try (RawOrigin o = new RawOrigin(bad)) {
        h.proxy.close();
        Harness h2 = new Harness(tmp.resolve("h" + o.port()));
        try {
          h2.resolve("bad.example:80=127.0.0.1:" + o.port()).rules("allow bad.example");
          h2.start();
          try (RawClient c = new RawClient(h2.address())) {
            String resp = c.send("GET http://bad.example/ HTTP/1.1\r\nHost: bad.example\r\n\r\n").readAll();
            assertRefusedOrCut(bad, resp);
          }
        } finally {
          h2.close();
        }
      }
    }
  }

  /**
   * A malformed head is a 502; a body that goes bad after its head was relayed cannot become one,
   * so the response is cut: no body bytes and no last chunk, which every client reports as truncated.
   */
  private static void assertRefusedOrCut(String bad, String resp) {
    if (bad.contains("\r\n\r\n3\nabc")) {
      assertTrue(resp.startsWith("HTTP/1.1 200 OK\r\n") && !resp.contains("abc") && !resp.endsWith("0\r\n\r\n"),
          bad + " -> " + resp);
    } else {
      assertTrue(resp.startsWith("HTTP/1.1 502 "), bad + " -> " + resp);
      assertTrue(resp.contains("malformed response from upstream"), resp);
    }
  }

  @Test
  void p74MalformedInterceptedUpstreamResponsesAre502() throws Exception {
    dev.sbx.proxy.tls.ProxyCa.Leaf leaf;
    for (String bad : List.of(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n")) {
      Harness h2 = new Harness(tmp.resolve("i" + Math.abs(bad.hashCode())));
      leaf = h2.originCa.mintLeaf("api.anthropic.com");
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("k", leaf.key(), new char[0], new java.security.cert.Certificate[] {leaf.certificate(), leaf.issuer()});
      javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
      kmf.init(ks, new char[0]);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      try (RawOrigin o = new RawOrigin(bad, ctx)) {
        h2.resolve("api.anthropic.com:443=127.0.0.1:" + o.port()).rules("allow api.anthropic.com").secret("anthropic", "REAL-ANT");
        h2.start();
        java.net.Socket s = TunnelClient.connect(h2.address(), "api.anthropic.com:443", new StringBuilder());
        try (javax.net.ssl.SSLSocket t = TunnelClient.tls(s, Path.of(h2.ca()), "api.anthropic.com", List.of("http/1.1"))) {
          t.getOutputStream().write("GET /bad HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: proxy-managed\r\n\r\n"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          String resp = new String(t.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
          assertRefusedOrCut(bad, resp);
        }
        assertEquals(1, o.requests.get(), "the upstream saw exactly one request");
      } finally {
        h2.close();
      }
    }
  }

  @Test
  void p74HeadResponseWithLengthDoesNotDesync() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send("HEAD http://pypi.org/a HTTP/1.1\r\nHost: pypi.org\r\n\r\n");
      // Read the HEAD answer's head (it has Content-Length but no body), then ask again.
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) c.socket().getInputStream().read());
      }
      assertTrue(head.toString().startsWith("HTTP/1.1 200 ") && head.toString().contains("content-length"), head.toString());
      c.send("GET http://pypi.org/b HTTP/1.1\r\nHost: pypi.org\r\nConnection: close\r\n\r\n");
      String resp = c.readAll();
      assertTrue(resp.startsWith("HTTP/1.1 200 "), resp);
      assertTrue(resp.contains("REQUEST GET /b"), resp);
    }
  }

  @Test
  void p89SseEventsArriveIncrementallyOnPlainPath() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send("GET http://pypi.org/sse HTTP/1.1\r\nHost: pypi.org\r\n\r\n");
      SseReader.expectEachEventBeforeTheNext(c.socket().getInputStream(), pypi.sseFeed);
    }
  }
}
