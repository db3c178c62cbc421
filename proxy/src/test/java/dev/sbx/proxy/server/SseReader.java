package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;

/**
 * Feeds an origin's SSE stream one event at a time and requires each to reach the client
 * before the next is even produced: a buffering proxy would stall here and fail the test.
 */
final class SseReader {
  private SseReader() {}

  static void expectEachEventBeforeTheNext(InputStream in, BlockingQueue<String> feed) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] b = new byte[4096];
    for (int i = 1; i <= 5; i++) {
      String ev = "event-" + i;
      feed.add(ev);
      while (!seen.toString().contains("data: " + ev)) {
        int n = in.read(b); // the socket's read timeout bounds the wait
        assertTrue(n > 0, "stream ended before " + ev + "; got: " + seen);
        seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
      }
    }
    feed.add("END");
    assertTrue(seen.toString().contains("text/event-stream"), seen.toString());
  }
}
