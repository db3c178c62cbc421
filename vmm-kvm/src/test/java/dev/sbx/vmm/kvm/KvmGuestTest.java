package dev.sbx.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.vmm.bus.BusDevice;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.testing.TestGuests;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small freestanding guests on the host's real /dev/kvm (the second testing tier). */
class KvmGuestTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  @TempDir Path dir;

  @BeforeAll
  static void needsKvm() {
    assumeTrue(Files.exists(KvmHypervisor.DEVICE),
        "needs /dev/kvm (Linux with KVM); skipped: this host has no /dev/kvm");
  }

  private record Run(VmExit exit, String console) {}

  private static Run boot(Path kernel, Optional<Path> initrd, String cmdline, int cpus, List<Device> devices,
      Duration limit) throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (KvmHypervisor kvm = KvmHypervisor.open();
        Machine m = Machine.create(kvm, new BootSpec(kernel, initrd, cmdline, cpus, 64L << 20), console)) {
      for (Device d : devices) {
        if (d.mmio) {
          m.mmioBus().insert(d.device, d.base, d.length);
        } else {
          m.ioBus().insert(d.device, d.base, d.length);
        }
      }
      m.start();
      VmExit exit = m.awaitExit(limit);
      return new Run(exit, console.toString());
    }
  }

  private record Device(BusDevice device, long base, long length, boolean mmio) {}

  @Test
  void pvhGuestSeesStartInfoCommandLineAndMemmap() throws Exception {
    Run r = boot(TestGuests.pvh("pvh"), Optional.empty(), "console=ttyS0 sbx.test=pvh", 1, List.of(), LIMIT);
    assertEquals(ExitKind.RESET, r.exit().kind(), r.exit().describe());
    assertEquals("""
        PVH OK
        cmdline: console=ttyS0 sbx.test=pvh
        memmap: 0000000000000000 000000000009fc00 00000001
        memmap: 000000000009fc00 0000000000040400 00000002
        memmap: 0000000000100000 0000000003f00000 00000001
        modules: 00000000
        rsdp: 000e0000 RSD PTR\s
        """, r.console());
  }

  @Test
  void pvhGuestGetsTheInitrdAsModuleZero() throws Exception {
    Path initrd = Files.write(dir.resolve("initrd"), new byte[12345]);
    Run r = boot(TestGuests.pvh("pvh"), Optional.of(initrd), "x", 1, List.of(), LIMIT);
    assertTrue(r.console().contains("modules: 00000001\n"), r.console());
  }

  @Test
  void sixtyFourBitElfGuestSeesBootParams() throws Exception {
    Path initrd = Files.write(dir.resolve("initrd"), new byte[0x1234]);
    Run r = boot(TestGuests.linux64Elf(), Optional.of(initrd), "console=ttyS0 sbx.test=elf64", 1, List.of(), LIMIT);
    assertEquals(ExitKind.RESET, r.exit().kind(), r.exit().describe());
    assertEquals("""
        LINUX64 OK
        cmdline: console=ttyS0 sbx.test=elf64
        e820: 0000000000000000 000000000009fc00 0000000000000001
        e820: 000000000009fc00 0000000000040400 0000000000000002
        e820: 0000000000100000 0000000003f00000 0000000000000001
        ramdisk_size: 0000000000001234
        """, r.console());
  }

  @Test
  void bzImageGuestIsEnteredAtPlus0x200() throws Exception {
    Run r = boot(TestGuests.linux64BzImage(), Optional.empty(), "console=ttyS0 sbx.test=bzimage", 1, List.of(), LIMIT);
    assertEquals(ExitKind.RESET, r.exit().kind(), r.exit().describe());
    assertTrue(r.console().startsWith("LINUX64 OK\ncmdline: console=ttyS0 sbx.test=bzimage\n"), r.console());
  }

  /** Records accesses; answers reads with fixed values. */
  static final class TestDevice implements BusDevice {
    final List<String> log = new ArrayList<>();

    @Override
    public synchronized long read(long offset, int size) {
      log.add("r" + size + "@" + Long.toHexString(offset));
      return switch ((int) offset) {
        case 0x8 -> 0x8899aabbL;
        case 0x9 -> 0x42;
        case 0x100 -> 0x13572468L;
        case 0x108 -> 0x7e;
        default -> 0;
      };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
      log.add("w" + size + "@" + Long.toHexString(offset) + "=" + Long.toHexString(value));
    }
  }

  @Test
  void portIoAndMmioReachTheBusWithEveryWidth() throws Exception {
    TestDevice pio = new TestDevice();
    TestDevice mmio = new TestDevice();
    Run r = boot(TestGuests.pvh("devices"), Optional.empty(), "x", 1,
        List.of(new Device(pio, 0x510, 0x10, false), new Device(mmio, 0xd0000000L, 0x1000, true)), LIMIT);
    assertEquals(ExitKind.RESET, r.exit().kind(), r.exit().describe());
    assertEquals("devices done\n", r.console());
    assertEquals(List.of("w1@0=11", "w2@2=2233", "w4@4=44556677", "r4@8", "w4@c=8899aabb", "r1@9", "w1@d=42"),
        pio.log);
    assertEquals(List.of("w4@0=cafebabe", "w2@10=beef", "w1@20=5a", "r4@100", "w4@104=13572468", "r1@108",
        "w4@10c=7e"), mmio.log);
  }

  @Test
  void doorbellWritesSignalTheEventfdInsteadOfExiting() throws Exception {
    TestDevice mmio = new TestDevice();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (KvmHypervisor kvm = KvmHypervisor.open();
        Machine m = Machine.create(kvm, new BootSpec(TestGuests.pvh("doorbell"), Optional.empty(), "", 1,
            64L << 20), console)) {
      m.mmioBus().insert(mmio, 0xd0000000L, 0x1000);
      dev.sbx.vmm.hypervisor.EventNotifier bell = m.eventPlumbing().orElseThrow()
          .registerDoorbell(0xd0000050L, 4, 1);
      m.start();
      VmExit exit = m.awaitExit(LIMIT);
      assertEquals(ExitKind.RESET, exit.kind(), exit.describe());
      assertEquals(1, bell.drain(), "the matching write signalled the eventfd");
      assertEquals(0, bell.drain());
      assertEquals(List.of("w4@50=2"), mmio.log, "only the non-matching write reached the bus");
    }
  }

  @Test
  void interruptEventsReachTheGuestThroughTheIoapic() throws Exception {
    assertGuestTakesGsi10(m -> m.eventPlumbing().orElseThrow().interruptEvent(10)::signal);
  }

  @Test
  void interruptLinesReachTheGuestToo() throws Exception {
    assertGuestTakesGsi10(m -> m.interruptLine(10)::trigger);
  }

  private interface Raiser {
    Runnable prepare(Machine m) throws Exception;
  }

  /** Boots the irq guest, waits for it to arm GSI 10, raises it and expects the handler's line. */
  private static void assertGuestTakesGsi10(Raiser raiser) throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (KvmHypervisor kvm = KvmHypervisor.open();
        Machine m = Machine.create(kvm, new BootSpec(TestGuests.pvh("irq"), Optional.empty(), "", 1,
            64L << 20), console)) {
      Runnable raise = raiser.prepare(m);
      m.start();
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (!console.toString().contains("ready\n") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      raise.run();
      VmExit exit = m.awaitExit(LIMIT);
      assertEquals(ExitKind.RESET, exit.kind(), exit.describe() + " " + console);
      assertEquals("ready\nirq 30\n", console.toString());
    }
  }

  @Test
  void tripleFaultIsReportedWithTheRip() throws Exception {
    Run r = boot(TestGuests.pvh("triple_fault"), Optional.empty(), "x", 1, List.of(), LIMIT);
    assertEquals(ExitKind.TRIPLE_FAULT, r.exit().kind(), r.exit().describe());
    if (Files.exists(Path.of("/sys/module/kvm_amd"))) {
      // AMD SVM: KVM resets the vCPU after the shutdown intercept; the faulting RIP is gone, and
      // the reset vector must not be reported in its place.
      assertTrue(r.exit().rip().isEmpty(), r.exit().describe());
      assertTrue(r.exit().describe().matches("triple fault: .* \\(vCPU 0\\)"), r.exit().describe());
    } else {
      assertTrue(r.exit().rip().isPresent());
      assertTrue(r.exit().describe().matches("triple fault: .* \\(vCPU 0, RIP 0x1[0-9a-f]{5}\\)"), r.exit().describe());
    }
    assertEquals("about to fault\n", r.console());
  }

  @Test
  void spinningGuestIsStoppedAtTheTimeout() throws Exception {
    Run r = boot(TestGuests.pvh("spin"), Optional.empty(), "x", 1, List.of(), Duration.ofSeconds(2));
    assertEquals(ExitKind.TIMEOUT, r.exit().kind(), r.exit().describe());
    assertTrue(r.exit().rip().isPresent(), "the RIP of the spinning vCPU is reported");
    assertEquals("spinning\n", r.console());
  }

  @Test
  void secondVcpuWaitsForStartupAndEverythingShutsDown() throws Exception {
    Run r = boot(TestGuests.pvh("pvh"), Optional.empty(), "smp", 2, List.of(), LIMIT);
    assertEquals(ExitKind.RESET, r.exit().kind(), r.exit().describe());
    assertTrue(r.console().startsWith("PVH OK\n"));
    assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("vcpu-")),
        "no vCPU thread outlives the machine");
  }

  @Test
  void moreVcpusThanKvmAllowsIsAClearError() throws Exception {
    try (KvmHypervisor kvm = KvmHypervisor.open()) {
      int tooMany = kvm.maxVcpus() + 1;
      var e = org.junit.jupiter.api.Assertions.assertThrows(dev.sbx.vmm.hypervisor.HypervisorException.class,
          () -> Machine.create(kvm, new BootSpec(TestGuests.pvh("pvh"), Optional.empty(), "", tooMany,
              64L << 20), new ByteArrayOutputStream()));
      assertTrue(e.getMessage().contains("allows at most"), e.getMessage());
    }
  }
}
