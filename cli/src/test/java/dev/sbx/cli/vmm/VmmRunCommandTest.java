package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.Sbx;
import dev.sbx.vmm.testing.TestGuests;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VmmRunCommandTest {
  @TempDir Path dir;

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = SbxAccess.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return new Result(cl.execute(args), err.toString());
  }

  @Test
  void bootsThePvhGuestAndExitsZeroOnReset() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    Path serial = dir.resolve("console.log");
    Result r = run("vmm", "run", "--kernel", TestGuests.pvh("pvh").toString(), "--memory", "64m",
        "--cmdline", "hello from the cli", "--serial", serial.toString(), "--timeout", "60s");
    assertEquals(0, r.code(), r.err());
    String console = Files.readString(serial);
    assertTrue(console.startsWith("PVH OK\ncmdline: hello from the cli\n"), console);
  }

  @Test
  void tripleFaultAndTimeoutExitNonZeroWithReasonAndRip() {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm; skipped: this host has none");
    Result fault = run("vmm", "run", "--kernel", TestGuests.pvh("triple_fault").toString(), "--memory", "64m",
        "--serial", dir.resolve("a").toString(), "--timeout", "60s");
    assertEquals(ExitCodes.FAILURE, fault.code());
    assertTrue(fault.err().matches("ERROR: guest stopped: triple fault: .*RIP 0x[0-9a-f]+\\)\n"), fault.err());
    Result spin = run("vmm", "run", "--kernel", TestGuests.pvh("spin").toString(), "--memory", "64m",
        "--serial", dir.resolve("b").toString(), "--timeout", "1s");
    assertEquals(ExitCodes.FAILURE, spin.code());
    assertTrue(spin.err().matches("ERROR: guest stopped: timeout: guest still running after 1000 ms .*RIP 0x[0-9a-f]+\\)\n"),
        spin.err());
  }

  @Test
  void badInputIsOneLineWithTheFix() throws Exception {
    Result missing = run("vmm", "run", "--kernel", dir.resolve("nope").toString());
    assertEquals(ExitCodes.FAILURE, missing.code());
    assertTrue(missing.err().startsWith("ERROR: kernel file ") && missing.err().contains("does not exist"), missing.err());

    Path text = Files.writeString(dir.resolve("notakernel"), "hello");
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "needs /dev/kvm for the remaining cases");
    Result notBootable = run("vmm", "run", "--kernel", text.toString());
    assertEquals(ExitCodes.FAILURE, notBootable.code());
    assertTrue(notBootable.err().contains("is not a bootable kernel"), notBootable.err());

    Result tooSmall = run("vmm", "run", "--kernel", text.toString(), "--memory", "1m");
    assertEquals(ExitCodes.USAGE, tooSmall.code());
    assertTrue(tooSmall.err().startsWith("ERROR: --memory 1m is out of range"), tooSmall.err());
    assertEquals(ExitCodes.USAGE, run("vmm", "run", "--kernel", text.toString(), "--memory", "lots").code());
    Result tooLarge = run("vmm", "run", "--kernel", text.toString(), "--memory", "900g");
    assertEquals(ExitCodes.USAGE, tooLarge.code());
    assertTrue(tooLarge.err().contains("is more than this host has"), tooLarge.err());
    assertEquals(ExitCodes.USAGE, run("vmm", "run", "--kernel", text.toString(), "--timeout", "soon").code());
    assertEquals(ExitCodes.USAGE, run("vmm", "run", "--kernel", text.toString(), "--cpus", "0").code());
    assertEquals(ExitCodes.USAGE, run("vmm", "run", "--kernel", text.toString(), "--engine", "hvf").code());
    assertEquals(ExitCodes.USAGE, run("vmm", "run").code(), "--kernel is required");
    for (Result r : new Result[] {missing, notBootable, tooSmall}) {
      assertEquals(1, r.err().lines().count(), r.err());
    }
  }
}
