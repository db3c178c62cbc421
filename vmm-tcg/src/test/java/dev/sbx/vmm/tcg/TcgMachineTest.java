package dev.sbx.vmm.tcg;

import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.VmExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.testing.TestGuests;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import dev.sbx.vmm.virtio.rng.RngDevice;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real QEMU with a device served over vhost-user from the test JVM, running freestanding guests. */
class TcgMachineTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();

  private TcgMachine start(String guest, VirtioDevice device) throws Exception {
    return TcgMachine.start(new TcgMachine.Config(QemuBinary.require(),
        new BootSpec(TestGuests.pvh(guest), Optional.empty(), "console=ttyS0", 1, 64L << 20), dir.resolve("run"),
        dir.resolve("qemu.log")), List.of(new AttachedDevice("rng", device, Optional.empty())), console);
  }

  private String console() {
    synchronized (console) {
      return console.toString(StandardCharsets.UTF_8);
    }
  }

  private void awaitConsole(TcgMachine m, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!console().contains(text) && !m.onExit().isDone() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(console().contains(text), "console: " + console() + " / qemu: " + m.qemuLogTail(5));
  }

  private void assertGone(TcgMachine m, long qemuPid) throws Exception {
    m.close();
    assertFalse(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false), "QEMU is gone");
    try (Stream<Path> s = Files.list(dir.resolve("run"))) {
      assertEquals(List.of(), s.toList(), "sockets removed");
    }
  }

  @Test
  void consoleIsPumpedAndStopEndsTheMachineCleanly() throws Exception {
    TcgMachine m = start("spin", new RngDevice());
    awaitConsole(m, "spinning");
    VmExit exit = m.stop(Duration.ofSeconds(5));
    assertTrue(exit.clean());
    assertEquals("stopped by sbx", exit.detail());
    assertGone(m, m.qemuPid());
  }

  @Test
  void aGuestResetEndsTheMachineCleanly() throws Exception {
    TcgMachine m = start("triple_fault", new RngDevice());
    VmExit exit = m.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(VmExit.of(ExitKind.RESET, "guest powered off or reset"), exit);
    assertGone(m, m.qemuPid());
  }

  @Test
  void killedQemuIsReportedWithTheSignal() throws Exception {
    TcgMachine m = start("spin", new RngDevice());
    awaitConsole(m, "spinning");
    ProcessHandle.of(m.qemuPid()).orElseThrow().destroyForcibly();
    VmExit exit = m.onExit().get(60, TimeUnit.SECONDS);
    assertFalse(exit.clean());
    assertTrue(exit.detail().startsWith("qemu exited: signal 9"), exit.detail());
    assertGone(m, m.qemuPid());
  }

  @Test
  void aDeviceThatFailsEndsTheMachine() throws Exception {
    TcgMachine m = start("spin", new FailingDevice());
    VmExit exit = m.onExit().get(60, TimeUnit.SECONDS);
    assertFalse(exit.clean(), exit.detail());
    assertGone(m, m.qemuPid());
  }

  /** A device whose model throws as soon as the frontend asks about it. */
  private static final class FailingDevice implements VirtioDevice {
    @Override
    public int deviceType() {
      return 4;
    }

    @Override
    public long features() {
      throw new IllegalStateException("device model failed");
    }

    @Override
    public int queueCount() {
      return 1;
    }

    @Override
    public int queueMaxSize(int index) {
      return 64;
    }

    @Override
    public int configSize() {
      return 0;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {}

    @Override
    public void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {}

    @Override
    public void queueNotified(int index) {}

    @Override
    public void reset() {}
  }
}
