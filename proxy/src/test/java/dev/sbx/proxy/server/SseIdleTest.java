package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P89 at a slow event rate, scaled down: "an event every 20 s under a 60 s idle timeout" becomes
 * an event every 400 ms under a 1 s idle timeout, for three times the timeout. The stream must
 * stay open on plain and intercepted paths, while the same stream without events, and an idle
 * tunnel of either kind (P94), is closed.
 */
class SseIdleTest {
  private static final Duration IDLE = Duration.ofSeconds(1);
  private static final int EVENTS = 8;

  @TempDir Path tmp;
  Harness h;
  Origin plain;
  Origin tls;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    plain = h.plain("events.example");
    tls = h.tls("api.anthropic.com");
    h.tls("quiet.example");
    h.rules("allow events.example,api.anthropic.com,quiet.example");
    h.secret("anthropic", "REAL-ANT");
    h.start(c -> c.withLimits(ProxyConfig.Limits.defaults().withTimeouts(Duration.ofSeconds(5), IDLE)));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  /** Feeds an event every 400 ms and requires each to arrive before the next; then ends the stream. */
  private static void slowEvents(InputStream in, BlockingQueue<String> feed) throws Exception {
    StringBuilder seen = new StringBuilder();
    byte[] b = new byte[4096];
    for (int i = 1; i <= EVENTS; i++) {
      Thread.sleep(IDLE.toMillis() * 2 / 5);
      String ev = "slow-" + i;
      feed.add(ev);
      while (!seen.toString().contains("data: " + ev)) {
        int n = in.read(b);
        assertTrue(n > 0, "stream closed before " + ev + "; got: " + seen);
        seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
      }
    }
    feed.add("END");
    // the chunked stream ends with its last chunk, not with a close
    while (!seen.toString().endsWith("0\r\n\r\n")) {
      int n = in.read(b);
      assertTrue(n > 0, "stream closed before its end; got: " + seen);
      seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
    }
  }


  @Test
  void p89SlowEventsKeepAPlainStreamOpen() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.socket().setSoTimeout(5000);
      c.send("GET http://events.example/sse HTTP/1.1\r\nHost: events.example\r\n\r\n");
      slowEvents(c.socket().getInputStream(), plain.sseFeed);
    }
  }

  @Test
  void p89SlowEventsKeepAnInterceptedStreamOpen() throws Exception {
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket t = TunnelClient.tls(s, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      t.getOutputStream().write(("GET /sse HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: proxy-managed\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      slowEvents(t.getInputStream(), tls.sseFeed);
    }
    assertEquals(List.of("REAL-ANT"), tls.last().all("x-api-key"));
  }

  @Test
  void aSilentStreamIsClosedAtTheIdleTimeout() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send("GET http://events.example/sse HTTP/1.1\r\nHost: events.example\r\n\r\n");
      assertTrue(RawClient.closesWithin10s(c.socket()));
    }
    plain.sseFeed.add("END");
  }

  @Test
  void p94IdleTunnelsAreClosedAtTheIdleTimeout() throws Exception {
    Socket opaque = TunnelClient.connect(h.address(), "quiet.example:443", new StringBuilder());
    try (SSLSocket t = TunnelClient.tls(opaque, h.originCaFile, "quiet.example", List.of("http/1.1"))) {
      assertTrue(RawClient.closesWithin10s(t), "an idle opaque tunnel stayed open");
    }
    Socket icpt = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket t = TunnelClient.tls(icpt, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      assertTrue(RawClient.closesWithin10s(t), "an idle intercepted tunnel stayed open");
    }
    h.awaitLog(l -> "CONNECT".equals(l.method()) && "tunnel".equals(l.mode()));
    h.awaitLog(l -> "CONNECT".equals(l.method()) && "intercept".equals(l.mode()));
  }
}
