package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {

  private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L);

  @Test
  void namesInitDisksClockAndHostname() {
    String cmdline = KernelCommandLine.of("claude-repo", NOW);
    for (String part : new String[] {"init=/sbin/sbx-init", "root=/dev/vda", " ro ", "reboot=t",
        "sbx.name=claude-repo", "sbx.time=1700000000", "sbx.data=/dev/vdb", "sbx.config=/dev/vdc"}) {
      assertTrue(cmdline.contains(part), part + " in " + cmdline);
    }
    assertFalse(cmdline.contains("sbx.test"));
    assertTrue(KernelCommandLine.forTest("t", NOW).endsWith(" sbx.test=1"));
  }

  @Test
  void refusesHostnamesThatWouldInjectParameters() {
    for (String bad : new String[] {"a b", "x init=/bin/sh", "-lead", "trail-", "", "a".repeat(64),
        "dot.ted", "new\nline", "semi;colon"}) {
      assertThrows(IllegalArgumentException.class, () -> KernelCommandLine.of(bad, NOW), bad);
    }
  }
}
