package dev.sbx.proxy.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionLogTest {
  @TempDir Path dir;

  static LogRecord rec(int i) {
    return new LogRecord("2026-11-22T10:15:23.412Z", "sb", "CONNECT", "h" + i + ".example", 443, "1.1.1.1", "allow",
        "id", "h.example", "rule", "tunnel", null, null, null, 1L, 2L, 3L);
  }

  @Test
  void rotatesAndKeepsBoundedFiles() throws Exception {
    Path f = dir.resolve("proxy.log");
    try (DecisionLog log = new DecisionLog(f, 1000, 2)) {
      for (int i = 0; i < 100; i++) {
        log.append(rec(i));
      }
    }
    assertTrue(Files.exists(dir.resolve("proxy.log.1")));
    assertTrue(Files.exists(dir.resolve("proxy.log.2")));
    assertTrue(!Files.exists(dir.resolve("proxy.log.3")));
    for (String n : new String[] {"proxy.log", "proxy.log.1", "proxy.log.2"}) {
      assertTrue(Files.size(dir.resolve(n)) <= 1000, n);
    }
    var all = DecisionLog.read(f, 2);
    assertEquals("h99.example", all.get(all.size() - 1).host());
    assertTrue(Files.readString(f).lines().allMatch(l -> l.startsWith("{\"time\":") && l.endsWith("}")));
  }
}
