package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.cli.CliHarness;
import dev.sbx.cli.ExitCodes;
import dev.sbx.vmm.testing.TestGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sbx vmm run} device flags: the virtio devices land in the machine's MMIO slots. */
class VmmRunDeviceFlagsTest {
  @TempDir Path dir;

  @Test
  void rngFlagPutsVirtioRngInSlotZero() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    Path serial = dir.resolve("console.log");
    CliHarness.Result r = CliHarness.run("vmm", "run", "--kernel", TestGuests.pvh("virtio_rng").toString(), "--memory", "64m",
        "--rng", "--serial", serial.toString(), "--timeout", "60s");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("used len 00000010 isr 00000001 after ack 00000000 data random\n", Files.readString(serial));
  }

  @Test
  void badDiskIsRefusedBeforeBooting() throws Exception {
    Path img = dir.resolve("odd.img");
    Files.write(img, new byte[700]);
    CliHarness.Result r = CliHarness.run("vmm", "run", "--kernel", img.toString(), "--disk", img + ",ro", "--memory", "64m");
    assertEquals(ExitCodes.FAILURE, r.exitCode());
    assertTrue(r.err().startsWith("ERROR: disk image ") && r.err().contains("not a multiple of 512"), r.err());
  }

  @Test
  void sharesBootWithTheGuestAndMissingFoldersAreRefused() throws Exception {
    Path share = Files.createDirectory(dir.resolve("share"));
    Path kernel = Files.writeString(dir.resolve("k"), "not booted: the share is checked first");
    CliHarness.Result missing = CliHarness.run("vmm", "run", "--kernel", kernel.toString(), "--memory", "64m",
        "--share", "ws=" + dir.resolve("nope"));
    assertEquals(ExitCodes.FAILURE, missing.exitCode());
    assertTrue(missing.err().startsWith("ERROR: --share ws=") && missing.err().contains("is not an existing folder"),
        missing.err());
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    Path serial = dir.resolve("console.log");
    CliHarness.Result r = CliHarness.run("vmm", "run", "--kernel", TestGuests.pvh("pvh").toString(), "--memory", "64m",
        "--share", "ws=" + share, "--share", "ro=" + share + ",ro", "--serial", serial.toString(), "--timeout", "60s");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.readString(serial).startsWith("PVH OK\n"), "the machine boots with two virtio-fs devices");
  }
}
