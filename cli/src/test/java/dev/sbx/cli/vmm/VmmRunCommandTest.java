package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.cli.CliHarness;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.Sbx;
import dev.sbx.vmm.testing.TestGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmmRunCommandTest {
  @TempDir Path dir;

  @Test
  void bootsThePvhGuestAndExitsZeroOnReset() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    Path serial = dir.resolve("console.log");
    CliHarness.Result r = CliHarness.run("vmm", "run", "--kernel", TestGuests.pvh("pvh").toString(), "--memory", "64m",
        "--cmdline", "hello from the cli", "--serial", serial.toString(), "--timeout", "60s");
    assertEquals(0, r.exitCode(), r.err());
    String console = Files.readString(serial);
    assertTrue(console.startsWith("PVH OK\ncmdline: hello from the cli\n"), console);
  }

  @Test
  void tripleFaultAndTimeoutExitNonZeroWithReasonAndRip() {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    CliHarness.Result fault = CliHarness.run("vmm", "run", "--kernel", TestGuests.pvh("triple_fault").toString(), "--memory", "64m",
        "--serial", dir.resolve("a").toString(), "--timeout", "60s");
    assertEquals(ExitCodes.FAILURE, fault.exitCode());
    // On AMD SVM the CPU state is reset by the shutdown, so there is no RIP to report (KvmGuestTest).
    String where = Files.exists(Path.of("/sys/module/kvm_amd")) ? "\\(vCPU 0\\)" : ".*RIP 0x[0-9a-f]+\\)";
    assertTrue(fault.err().matches("ERROR: guest stopped: triple fault: " + where + "\n"), fault.err());
    CliHarness.Result spin = CliHarness.run("vmm", "run", "--kernel", TestGuests.pvh("spin").toString(), "--memory", "64m",
        "--serial", dir.resolve("b").toString(), "--timeout", "1s");
    assertEquals(ExitCodes.FAILURE, spin.exitCode());
    assertTrue(spin.err().matches("ERROR: guest stopped: timeout: guest still running after 1000 ms .*RIP 0x[0-9a-f]+\\)\n"),
        spin.err());
  }

  @Test
  void badInputIsOneLineWithTheFix() throws Exception {
    CliHarness.Result missing = CliHarness.run("vmm", "run", "--kernel", dir.resolve("nope").toString());
    assertEquals(ExitCodes.FAILURE, missing.exitCode());
    assertTrue(missing.err().startsWith("ERROR: kernel file ") && missing.err().contains("does not exist"), missing.err());

    Path text = Files.writeString(dir.resolve("notakernel"), "hello");
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm for the remaining cases");
    CliHarness.Result notBootable = CliHarness.run("vmm", "run", "--kernel", text.toString());
    assertEquals(ExitCodes.FAILURE, notBootable.exitCode());
    assertTrue(notBootable.err().contains("is not a bootable kernel"), notBootable.err());

    CliHarness.Result tooSmall = CliHarness.run("vmm", "run", "--kernel", text.toString(), "--memory", "1m");
    assertEquals(ExitCodes.USAGE, tooSmall.exitCode());
    assertTrue(tooSmall.err().startsWith("ERROR: --memory 1m is out of range"), tooSmall.err());
    assertEquals(ExitCodes.USAGE, CliHarness.run("vmm", "run", "--kernel", text.toString(), "--memory", "lots").exitCode());
    CliHarness.Result tooLarge = CliHarness.run("vmm", "run", "--kernel", text.toString(), "--memory", "900g");
    assertEquals(ExitCodes.USAGE, tooLarge.exitCode());
    assertTrue(tooLarge.err().contains("is more than this host has"), tooLarge.err());
    assertEquals(ExitCodes.USAGE, CliHarness.run("vmm", "run", "--kernel", text.toString(), "--timeout", "soon").exitCode());
    assertEquals(ExitCodes.USAGE, CliHarness.run("vmm", "run", "--kernel", text.toString(), "--cpus", "0").exitCode());
    assertEquals(ExitCodes.USAGE, CliHarness.run("vmm", "run", "--kernel", text.toString(), "--engine", "hvf").exitCode());
    assertEquals(ExitCodes.USAGE, CliHarness.run("vmm", "run").exitCode(), "--kernel is required");
    for (CliHarness.Result r : new CliHarness.Result[] {missing, notBootable, tooSmall}) {
      assertEquals(1, r.err().lines().count(), r.err());
    }
  }
}
