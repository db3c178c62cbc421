package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P57: an allowed destination whose upstream refuses or never answers the TCP connect gets 502 or
 * 504 with a reason, on every path, and never a {@code 200} first.
 */
class UpstreamFailureTest {
  @TempDir Path tmp;
  Harness h;
  Blackhole blackhole;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    blackhole = h.own(new Blackhole());
    // Port 1 on loopback is closed: connection refused. The blackhole drops SYNs: a timeout.
    for (String host : new String[] {"refused.example", "api.anthropic.com"}) {
      h.resolve(host + ":443=127.0.0.1:1").resolve(host + ":80=127.0.0.1:1");
    }
    for (String host : new String[] {"slow.example", "api.openai.com"}) {
      h.resolve(host + ":443=127.0.0.1:" + blackhole.port()).resolve(host + ":80=127.0.0.1:" + blackhole.port());
    }
    h.rules("allow refused.example,slow.example,api.anthropic.com:443,api.openai.com:443");
    h.secret("anthropic", "REAL-ANT").secret("openai", "REAL-OAI");
    h.start(c -> c.withLimits(ProxyConfig.Limits.defaults().withConnectTimeout(Duration.ofSeconds(1))));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  /** CONNECT (opaque and intercepted) and plain GET all get {@code status} with {@code reason}; logged. */
  private void assertEveryPathAnswers(String host, String interceptedHost, int status, String reason)
      throws Exception {
    for (String target : new String[] {host + ":443", interceptedHost + ":443"}) {
      String resp = h.raw("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
      assertTrue(resp.startsWith("HTTP/1.1 " + status + " "), target + " -> " + resp);
      assertFalse(resp.contains(" 200 "), resp);
      assertTrue(resp.contains(reason), resp);
    }
    String resp = h.raw("GET http://" + host + "/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    assertTrue(resp.startsWith("HTTP/1.1 " + status + " "), resp);
    assertTrue(resp.contains(reason), resp);
    LogRecord rec = h.awaitLog(l -> "CONNECT".equals(l.method()) && host.equals(l.host()));
    assertEquals(Integer.valueOf(status), rec.status(), rec.toString());
  }

  @Test
  void refusedUpstreamIs502OnTunnelsInterceptionAndPlainHttp() throws Exception {
    assertEveryPathAnswers("refused.example", "api.anthropic.com", 502, "connecting upstream failed");
  }

  @Test
  void upstreamThatNeverAnswersIs504OnTunnelsInterceptionAndPlainHttp() throws Exception {
    assertEveryPathAnswers("slow.example", "api.openai.com", 504, "timed out");
    // curl sees the failed CONNECT as such: no tunnel, no TLS attempted
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "--cacert", h.ca(), "-H", "Authorization: Bearer proxy-managed",
        "https://api.openai.com/v1/models");
    assertTrue(r.codes().startsWith("000 504 "), r.codes() + " " + r.err());
  }
}
