package dev.sbx.vmm.tcg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.testing.TestGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real QEMU (Debian qemu-system-x86, which run-tests installs) running our freestanding guests. */
class QemuProcessTest {
  @TempDir Path dir;

  private QemuProcess start(Path kernel) throws Exception {
    Path qemu = QemuBinary.require();
    QemuMachineSpec spec = new QemuMachineSpec(kernel, Optional.empty(), "console=ttyS0", 1, 64L << 20,
        QemuMachineSpec.Console.file(dir.resolve("console.log")), List.of());
    return QemuProcess.start(qemu, spec, dir.resolve("qemu.log"));
  }

  @Test
  void guestThatTripleFaultsEndsQemuByItself() throws Exception {
    try (QemuProcess q = start(TestGuests.pvh("triple_fault"))) {
      QemuExit exit = q.onExit().get(120, TimeUnit.SECONDS);
      assertFalse(exit.requested());
      assertEquals(0, exit.exitCode(), "with -no-reboot a guest reset ends QEMU cleanly: " + q.logTail(5));
      assertEquals("about to fault\n", Files.readString(dir.resolve("console.log")));
    }
  }

  @Test
  void stopEndsARunningGuestAndLeavesNoProcess() throws Exception {
    QemuProcess q = start(TestGuests.pvh("spin"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path console = dir.resolve("console.log");
    while (!(Files.exists(console) && Files.readString(console).contains("spinning"))
        && q.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(console) && Files.readString(console).contains("spinning"), q.logTail(10));
    QemuExit exit = q.stop(Duration.ofSeconds(10));
    assertTrue(exit.requested());
    assertTrue(exit.clean());
    assertFalse(q.isAlive());
    assertFalse(ProcessHandle.of(q.pid()).map(ProcessHandle::isAlive).orElse(false));
    assertEquals("stopped by sbx", exit.describe());
  }

  @Test
  void exitStatusesAreDescribed() {
    assertEquals("qemu exited: signal 9", new QemuExit(137, false).describe());
    assertEquals("qemu exited with status 1", new QemuExit(1, false).describe());
    assertFalse(new QemuExit(137, false).clean());
  }
}
