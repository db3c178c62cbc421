package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resolve once, classify every answer, dial only the checked address (checklist B), with the
 * scripted resolver and a dialer that maps public test addresses onto loopback origins.
 */
class ResolutionTest {
  @TempDir Path tmp;
  Harness h;
  final ScriptedResolver resolver = new ScriptedResolver();
  final RecordingDialer dialer = new RecordingDialer();

  @AfterEach
  void tearDown() throws Exception {
    assertTrue(dialer.violations.isEmpty(), "dialled outside loopback: " + dialer.violations);
    h.close();
  }

  private void start(Origin origin, String... rules) throws Exception {
    h.rules(rules);
    if (origin != null) {
      dialer.route("1.1.1.1", 80, origin.port()).route("64:ff9b::808:808", 80, origin.port());
    }
    h.start(c -> c.withResolver(resolver).withDialer(dialer)
        .withLimits(ProxyConfig.Limits.defaults().withDnsTimeout(Duration.ofMillis(500))));
  }

  private String get(String url, String host) throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      return c.send("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").readAll();
    }
  }

  @Test
  void p19PrivateAnswerBlockedUnlessCidrAllows() throws Exception {
    h = new Harness(tmp);
    resolver.answer("pypi.org", "10.0.0.5");
    start(null, "allow pypi.org");
    String resp = get("http://pypi.org/", "pypi.org");
    assertTrue(resp.contains("Blocked by network policy: pypi.org:80 (blocked address class: private 10.0.0.5)"), resp);
    assertTrue(dialer.dialled.isEmpty());
  }

  @Test
  void p20RebindingGetsOneLookupPerRequestAndDialsTheCheckedAddress() throws Exception {
    h = new Harness(tmp);
    Origin origin = new Origin(null);
    try {
      resolver.answer("rebind.example", "1.1.1.1", "127.0.0.1");
      start(origin, "allow rebind.example");
      String first = get("http://rebind.example/a", "rebind.example");
      assertTrue(first.startsWith("HTTP/1.1 200 "), first);
      assertEquals(List.of(new InetSocketAddress("1.1.1.1", 80)), dialer.dialled);
      assertEquals(1, resolver.calls.size());
      String second = get("http://rebind.example/b", "rebind.example");
      assertTrue(second.contains("blocked address class: loopback 127.0.0.1"), second);
      assertEquals(1, dialer.dialled.size(), "loopback answer must never be dialled");
      assertEquals(2, resolver.calls.size());
    } finally {
      origin.close();
    }
  }

  @Test
  void p21MixedAnswersRefusedOutright() throws Exception {
    h = new Harness(tmp);
    resolver.answer("mixed.example", "1.1.1.1 127.0.0.1").answer("inward.example", "127.0.0.1");
    start(null, "allow mixed.example,inward.example");
    assertTrue(get("http://mixed.example/", "mixed.example").startsWith("HTTP/1.1 403 "));
    assertTrue(get("http://inward.example/", "inward.example").startsWith("HTTP/1.1 403 "));
    assertTrue(dialer.dialled.isEmpty());
  }

  @Test
  void p17Nat64PublicAddressPassesAndIsDialled() throws Exception {
    h = new Harness(tmp);
    Origin origin = new Origin(null);
    try {
      start(origin, "allow **");
      String resp = get("http://[64:ff9b::808:808]/x", "x");
      assertTrue(resp.startsWith("HTTP/1.1 200 "), resp);
      assertEquals(List.of(new InetSocketAddress("64:ff9b::808:808", 80)), dialer.dialled);
    } finally {
      origin.close();
    }
  }

  @Test
  void p22SelfConnectionRefusedEvenWhenResolveOverridePointsThere() throws Exception {
    h = new Harness(tmp);
    start(null, "allow self.example");
    // The listener's port is known only now; add an answer pointing at it.
    resolver.answer("self.example", "127.0.0.1");
    h.rules("allow 127.0.0.1");
    h.proxy.reloadNow();
    String resp = get("http://self.example:" + h.address().getPort() + "/", "self.example");
    assertTrue(resp.contains("proxy listener"), resp);
  }

  @Test
  void p24LocalhostRuleReachesLoopbackOrigin() throws Exception {
    h = new Harness(tmp);
    Origin ollama = new Origin(null);
    try {
      start(null, "allow localhost:" + ollama.port());
      for (String host : List.of("localhost", "host.docker.internal", "127.0.0.1", "[::1]")) {
        String resp = get("http://" + host + ":" + ollama.port() + "/api", host);
        if (host.equals("[::1]")) {
          // The origin listens on IPv4 only: allowed by policy, then refused by the socket.
          assertTrue(resp.startsWith("HTTP/1.1 502 ") || resp.startsWith("HTTP/1.1 200 "), resp);
        } else {
          assertTrue(resp.startsWith("HTTP/1.1 200 "), host + " -> " + resp);
        }
      }
      assertTrue(get("http://localhost:" + (ollama.port() + 1) + "/", "localhost").startsWith("HTTP/1.1 403 "));
    } finally {
      ollama.close();
    }
  }

  @Test
  void p41IpLiteralTunnelWithHostnameSniIsClosed() throws Exception {
    h = new Harness(tmp);
    Origin tls = h.tls("api.github.com");
    dialer.route("1.1.1.1", 443, tls.port());
    h.rules("allow 1.1.1.1");
    h.start(c -> c.withResolver(resolver).withDialer(dialer));
    java.net.Socket s = TunnelClient.connect(h.address(), "1.1.1.1:443", new StringBuilder());
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> TunnelClient.tls(s, h.originCaFile, "api.github.com", null).close());
    assertEquals(List.of(new InetSocketAddress("1.1.1.1", 443)), dialer.dialled);
    assertTrue(tls.seen.isEmpty());
  }

  @Test
  void p23HostDockerInternalBlockedByDefault() throws Exception {
    h = new Harness(tmp);
    start(null, "allow **");
    assertTrue(get("http://host.docker.internal:8080/", "host.docker.internal").startsWith("HTTP/1.1 403 "));
  }

  @Test
  void p97ResolverHangIs504() throws Exception {
    h = new Harness(tmp);
    resolver.answer("slow.example", "1.1.1.1");
    resolver.hang = true;
    start(null, "allow slow.example");
    String resp = get("http://slow.example/", "slow.example");
    assertTrue(resp.startsWith("HTTP/1.1 504 "), resp);
    assertTrue(dialer.dialled.isEmpty());
  }
}
