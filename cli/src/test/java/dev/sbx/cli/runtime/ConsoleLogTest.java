package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {
  @TempDir Path dir;

  private static void write(ConsoleLog log, String s) throws Exception {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    log.write(b, 0, b.length);
  }

  @Test
  void readyMarkerIsFoundAcrossWritesOnlyAtALineStart() throws Exception {
    try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"))) {
      write(log, "echo SBX-GUEST-READY fake\nboot...\nSBX-GUEST");
      assertFalse(log.ready().isDone());
      write(log, "-READY uptime=14.2\r");
      assertFalse(log.ready().isDone(), "only a whole line counts");
      write(log, "\nmore\n");
      assertEquals("SBX-GUEST-READY uptime=14.2", log.ready().getNow(null));
      assertEquals("SBX-GUEST-READY uptime=14.2\nmore", log.tail(2));
    }
    assertTrue(Files.readString(dir.resolve("console.log")).endsWith("more\n"));
  }

  @Test
  void aKernelPanicIsCaughtWithItsMessageControlCharactersOut() throws Exception {
    try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"))) {
      write(log, "[    2.25] VFS: Cannot open root device\n[    2.27] Kernel panic - not sync");
      assertFalse(log.panic().isDone(), "only a whole line counts");
      write(log, "ing: VFS: Unable to mount root fs\u001b[31m on unknown-block(0,0)\r\n");
      assertEquals("VFS: Unable to mount root fs[31m on unknown-block(0,0)", log.panic().getNow(null));
      write(log, "[    2.28] Kernel panic - not syncing: a second one\n");
      assertEquals("VFS: Unable to mount root fs[31m on unknown-block(0,0)", log.panic().getNow(null), "the first one wins");
    }
  }

  @Test
  void aLongPanicLineIsBounded() throws Exception {
    try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"))) {
      write(log, "Kernel panic - not syncing: " + "x".repeat(100_000) + "\n");
      assertTrue(log.panic().getNow("").length() <= 256, "at most one line buffer");
    }
  }

  @Test
  void aPreviousConsoleIsKeptAsDotOne() throws Exception {
    Files.writeString(dir.resolve("console.log"), "last boot\n");
    try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"))) {
      write(log, "this boot\n");
    }
    assertEquals("last boot\n", Files.readString(dir.resolve("console.log.1")));
    assertEquals("this boot\n", Files.readString(dir.resolve("console.log")));
  }

  @Test
  void aFloodingGuestCannotGrowTheLogWithoutBound() throws Exception {
    byte[] line = "x".repeat(1023).concat("\n").getBytes(StandardCharsets.US_ASCII);
    try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"))) {
      for (long n = 0; n < 3 * ConsoleLog.MAX_BYTES; n += line.length) {
        log.write(line, 0, line.length);
      }
    }
    assertTrue(Files.size(dir.resolve("console.log")) <= ConsoleLog.MAX_BYTES);
    assertTrue(Files.size(dir.resolve("console.log.1")) <= ConsoleLog.MAX_BYTES);
    try (var s = Files.list(dir)) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void tailOfAFileReadsOnlyItsEnd() throws Exception {
    Path f = dir.resolve("c.log");
    Files.writeString(f, "a\n".repeat(100_000) + "b\nc\n");
    assertEquals("b\nc", ConsoleLog.tailOf(f, 2));
    assertEquals("", ConsoleLog.tailOf(dir.resolve("missing"), 5));
  }
}
