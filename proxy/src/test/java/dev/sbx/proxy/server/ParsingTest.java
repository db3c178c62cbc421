package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Raw-byte attacks on the proxy port (checklist B, C, E, H): nothing malformed goes upstream. */
class ParsingTest {
  @TempDir Path tmp;
  Harness h;
  Origin pypi;
  ScriptedResolver resolver = new ScriptedResolver();

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    pypi = h.plain("pypi.org");
    h.rules("allow pypi.org", "allow **");
    h.start(c -> c.withResolver(resolver).withLimits(
        ProxyConfig.Limits.defaults().withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3)).withMaxConnections(20)));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  // P14, P31, P34, P36, P37, P39: refused before any lookup or dial.
  @ParameterizedTest
  @ValueSource(strings = {"2130706433:80", "0x7f000001:80", "0177.0.0.1:80", "127.1:80", "0:80", "[fe80::1%eth0]:443",
      "[fe80::1%25eth0]:443", "api.anthropic.com..:443", ".api.anthropic.com:443", "[api.anthropic.com]:443",
      "[pypi.org]:443", "user@pypi.org:443", "pypi%2eorg:443", "api.anthropic.com", "api.anthropic.com:99999",
      "api.anthropic.com:0", "api.anthropic.com:0443", "api.anthropic.com:+443", "xn--zz.example:443"})
  void malformedConnectTargetsAre400(String target) throws Exception {
    String resp = h.raw("CONNECT " + target + " HTTP/1.1\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 400 "), target + " -> " + resp);
    assertTrue(resolver.calls.isEmpty(), "lookup for " + target);
  }

  @Test
  void p34NonAsciiConnectTargetsAre400() throws Exception {
    for (String t : new String[] {"аpi.anthropic.com:443", "ａｐｉ.anthropic.com:443", "127。0。0。1:443"}) {
      String resp = h.raw("CONNECT " + t + " HTTP/1.1\r\n\r\n");
      assertTrue(resp.startsWith("HTTP/1.1 400 "), t + " -> " + resp);
    }
    assertTrue(resolver.calls.isEmpty());
  }

  // P12, P13, P15, P16, P18 through the real listener under "allow **".
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:8080", "[::1]:443", "[::ffff:127.0.0.1]:443", "169.254.169.254:80",
      "[fd00:ec2::254]:80", "169.254.170.2:80", "0.0.0.0:80", "[::]:80", "255.255.255.255:80", "224.0.0.1:80",
      "[ff02::1]:80", "[64:ff9b::a9fe:a9fe]:80", "[2002:a9fe:a9fe::1]:80", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]:80",
      "[::127.0.0.1]:80", "100.64.0.0:443", "192.0.2.1:443", "[2001:db8::1]:443", "10.0.0.5:443",
      "localhost:8080", "host.docker.internal:8080"})
  void blockedAddressClassesAre403UnderAllowAll(String target) throws Exception {
    String resp = h.raw("CONNECT " + target + " HTTP/1.1\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 403 "), target + " -> " + resp);
    assertTrue(resp.contains("blocked address class"), resp);
  }

  @Test
  void p13MetadataOverPlainHttp() throws Exception {
    String resp = h.raw("GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 403 "), resp);
    assertTrue(resp.contains("(blocked address class: metadata 169.254.169.254)"), resp);
  }

  @Test
  void p62UserinfoAndFragmentTricksAre400() throws Exception {
    for (String t : new String[] {"http://user@pypi.org@evil.com/", "http://pypi.org\\@evil.com/",
        "http://evil.com#@pypi.org/"}) {
      String resp = h.raw("GET " + t + " HTTP/1.1\r\nHost: pypi.org\r\n\r\n");
      assertTrue(resp.startsWith("HTTP/1.1 400 "), t + " -> " + resp);
    }
    assertTrue(h.raw("GET http://1.1.1.1 &@2.2.2.2# @3.3.3.3/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 400 "));
    assertEquals(0, pypi.seen.size());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "P63 CL+TE | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P64 two CL | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nContent-Length: 3\\r\\nContent-Length: 3\\r\\n\\r\\nabc",
      "P64 CL list | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nContent-Length: 3, 3\\r\\n\\r\\nabc",
      "P65 chunked xchunked | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked, xchunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P65 TE split | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: gzip\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P65 space before colon | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P65 gzip chunked | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P65 identity | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n",
      "P65 TE on 1.0 | POST http://pypi.org/ HTTP/1.0\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "P66 bare LF chunk | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\nabc\\r\\n0\\r\\n\\r\\n",
      "P66 0x size | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0x3\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "P66 negative size | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n-1\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "P66 plus size | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n+3\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "P66 overflow | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nffffffffffffffffff\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "P66 data longer | POST http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabcdef\\r\\n0\\r\\n\\r\\n",
      "P67 no colon | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nNoColonHere\\r\\n\\r\\n",
      "P67 obs-fold | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nX-A: 1\\r\\n  folded\\r\\n\\r\\n",
      "P67 NUL in value | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nX-A: a\\u0000b\\r\\n\\r\\n",
      "P67 bare CR in value | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nX-A: a\\rb\\r\\n\\r\\n",
      "P67 control in name | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nX\\u0001A: b\\r\\n\\r\\n",
      "P67 space in name | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nX A: b\\r\\n\\r\\n",
      "P70 two Host | GET http://pypi.org/ HTTP/1.1\\r\\nHost: pypi.org\\r\\nHost: evil.com\\r\\n\\r\\n",
      "P76 space in target | GET http://pypi.org/a b HTTP/1.1\\r\\nHost: pypi.org\\r\\n\\r\\n",
      "P76 bare LF request line | GET http://pypi.org/ HTTP/1.1\\nHost: pypi.org\\r\\n\\r\\n"})
  void smugglingShapesAre400AndNeverReachTheOrigin(String name, String request) throws Exception {
    String resp = h.raw(unescape(request));
    assertTrue(resp.startsWith("HTTP/1.1 400 "), name + " -> " + resp);
    assertEquals(0, pypi.seen.size(), name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.2", "HTTP/3.0", "HTTP/2.0", "http/1.1"})
  void p70OtherVersionsAre505(String version) throws Exception {
    String resp = h.raw("GET http://pypi.org/ " + version + "\r\nHost: pypi.org\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 505 "), version + " -> " + resp);
  }

  @Test
  void p51Http2PrefaceRefused() throws Exception {
    String resp = h.raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
    assertTrue(resp.contains("HTTP/2 is not supported"), resp);
    assertTrue(pypi.seen.isEmpty());
  }

  @Test
  void p76EncodedCrlfForwardedByteExact() throws Exception {
    h.raw("GET http://pypi.org/a%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: pypi.org\r\nConnection: close\r\n\r\n");
    assertEquals("/a%0d%0aX-Injected:%201", pypi.last().uri());
    assertTrue(pypi.last().all("X-Injected").isEmpty());
  }

  @Test
  void p69SecondRequestIsJudgedOnItsOwn() throws Exception {
    // Two requests in one write (pipelined): the first is served, the second never smuggled.
    String resp = h.raw("POST http://pypi.org/a HTTP/1.1\r\nHost: pypi.org\r\nContent-Length: 0\r\n\r\n"
        + "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 200 ") || resp.startsWith("HTTP/1.1 400 "), resp);
    assertTrue(pypi.seen.size() <= 1);
    assertTrue(resolver.calls.stream().noneMatch(c -> c.equals("evil.example")), resolver.calls.toString());
  }

  @Test
  void p95OversizedRequestLineAndHeaders() throws Exception {
    String longLine = h.raw("GET http://pypi.org/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: pypi.org\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.1 414 "), longLine);
    String bigHeaders = h.raw("GET http://pypi.org/ HTTP/1.1\r\nHost: pypi.org\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n");
    assertTrue(bigHeaders.startsWith("HTTP/1.1 431 "), bigHeaders);
    StringBuilder many = new StringBuilder("GET http://pypi.org/ HTTP/1.1\r\nHost: pypi.org\r\n");
    for (int i = 0; i < 150; i++) {
      many.append("X-").append(i).append(": 1\r\n");
    }
    assertTrue(h.raw(many + "\r\n").startsWith("HTTP/1.1 431 "));
    assertEquals(0, pypi.seen.size());
  }

  @Test
  void p94SlowlorisClosedAtHeaderTimeout() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send("GET http://pypi.org/ HTTP/1.1\r\nHost: py");
      // header timeout is 1 s in this test; the socket read timeout (5 s) bounds the wait
      String resp = c.readAll();
      assertTrue(resp.startsWith("HTTP/1.1 408 "), resp);
    }
  }

  @Test
  void p94IdleConnectionClosed() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.socket().setSoTimeout(15_000);
      assertTrue(c.closedByPeer(), "idle connection was not closed");
    }
  }

  @Test
  void p94ConnectionCapEnforced() throws Exception {
    java.util.List<RawClient> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        open.add(new RawClient(h.address()));
      }
      try (RawClient extra = new RawClient(h.address())) {
        assertTrue(extra.closedByPeer(), "21st connection accepted");
      }
    } finally {
      for (RawClient c : open) {
        c.close();
      }
    }
  }

  @Test
  void p26IpLiteralIsNeverMatchedByNameRulesAndNeverLookedUp() throws Exception {
    h.close();
    // 140.82.112.5 is an api.github.com address; its PTR is never consulted and the name rule never matches it.
    Harness h2 = new Harness(tmp.resolve("p26"));
    ScriptedResolver r = new ScriptedResolver().answer("api.github.com", "140.82.112.5");
    h2.rules("allow api.github.com");
    h2.start(c -> c.withResolver(r));
    try (RawClient c = new RawClient(h2.address())) {
      String resp = c.send("CONNECT 140.82.112.5:443 HTTP/1.1\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 403 "), resp);
      assertTrue(resp.contains("Blocked by network policy: 140.82.112.5:443 (rule: default deny)"), resp);
      assertTrue(r.calls.isEmpty(), "lookup for a literal: " + r.calls);
    } finally {
      h2.close();
    }
  }

  @Test
  void p28DnsFailureIs502NotA403() throws Exception {
    h.close();
    Harness h2 = new Harness(tmp.resolve("b"));
    ScriptedResolver r = new ScriptedResolver().answer("nx.example", "NX");
    h2.rules("allow nx.example");
    h2.start(c -> c.withResolver(r));
    try (RawClient c = new RawClient(h2.address())) {
      String resp = c.send("CONNECT nx.example:443 HTTP/1.1\r\n\r\n").readAll();
      assertTrue(resp.startsWith("HTTP/1.1 502 "), resp);
      assertTrue(resp.contains("DNS"), resp);
      var rec = h2.awaitLog(l -> "nx.example".equals(l.host()));
      assertEquals(Integer.valueOf(502), rec.status(), rec.toString());
      assertTrue(rec.detail().contains("DNS"), rec.toString());
    } finally {
      h2.close();
    }
  }

  static String unescape(String s) {
    return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\0").replace("\\u0001", "\u0001");
  }
}
