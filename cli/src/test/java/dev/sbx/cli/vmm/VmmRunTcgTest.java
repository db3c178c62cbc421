package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sbx.cli.CliHarness;
import dev.sbx.cli.ExitCodes;
import dev.sbx.vmm.testing.TestGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sbx vmm run --engine tcg} with real QEMU (qemu-system-x86, which run-tests installs). */
class VmmRunTcgTest {
  @TempDir Path dir;

  @Test
  void bootsAGuestUnderQemuWithVhostUserDevicesAndExitsZeroWhenItResets() throws Exception {
    // A triple fault is a reset; microvm has no i8042, so this is how a freestanding guest resets.
    Path serial = dir.resolve("console.log");
    Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
    CliHarness.Result r = CliHarness.run("vmm", "run", "--engine", "tcg", "--kernel", TestGuests.pvh("triple_fault").toString(),
        "--memory", "64m", "--serial", serial.toString(), "--timeout", "120s",
        "--disk", disk + ",ro", "--rng");
    assertEquals(0, r.exitCode(), r.err());
    String console = Files.readString(serial);
    assertEquals("about to fault\n", console);
  }

  @Test
  void aGuestStillRunningAtTheTimeoutIsStoppedAndReported() {
    CliHarness.Result spin = CliHarness.run("vmm", "run", "--engine", "tcg", "--kernel", TestGuests.pvh("spin").toString(),
        "--memory", "64m", "--serial", dir.resolve("b").toString(), "--timeout", "2s");
    assertEquals(ExitCodes.FAILURE, spin.exitCode());
    assertEquals("ERROR: guest stopped: timeout: guest still running after 2000 ms\n", spin.err());
  }

  @Test
  void tcgNeedsWholeMebibytes() {
    CliHarness.Result r = CliHarness.run("vmm", "run", "--engine", "tcg", "--kernel", TestGuests.pvh("pvh").toString(),
        "--memory", "65540k");
    assertEquals(ExitCodes.USAGE, r.exitCode());
    assertEquals("ERROR: --memory 65540k: the tcg engine needs whole MiB, e.g. 256m\n", r.err());
  }
}
