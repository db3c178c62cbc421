package dev.sbx.vmm.machine;

import dev.sbx.vmm.acpi.AcpiTableSet;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import dev.sbx.vmm.arch.x86_64.MpTable;
import dev.sbx.vmm.arch.x86_64.X86AcpiTables;
import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;
import dev.sbx.vmm.arch.x86_64.CpuidNormalizer;
import dev.sbx.vmm.arch.x86_64.GuestRamLayout;
import dev.sbx.vmm.arch.x86_64.X86Boot;
import dev.sbx.vmm.arch.x86_64.X86BootState;
import dev.sbx.vmm.arch.x86_64.X86Layout;
import dev.sbx.vmm.bus.Bus;
import dev.sbx.vmm.devices.legacy.BootTimer;
import dev.sbx.vmm.devices.legacy.I8042;
import dev.sbx.vmm.devices.legacy.Serial;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.hypervisor.EventPlumbing;
import dev.sbx.vmm.hypervisor.x86_64.X86Hypervisor;
import dev.sbx.vmm.hypervisor.InterruptLine;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vm;
import dev.sbx.vmm.hypervisor.VmSpec;
import dev.sbx.vmm.loader.KernelLoadException;
import dev.sbx.vmm.loader.KernelLoader;
import dev.sbx.vmm.loader.KernelLoader.Initrd;
import dev.sbx.vmm.loader.LoadedKernel;
import dev.sbx.vmm.memory.GuestMemory;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One x86_64 microVM on a hardware hypervisor: guest RAM, the kernel and its boot structures, the
 * legacy devices, and one platform thread per vCPU. Engine-independent: the {@link Hypervisor}
 * decides whether this is KVM, WHP or something else.
 */
public final class Machine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Machine.class);
  /** How long close() waits for each vCPU thread to leave the guest before giving up on it. */
  private static final long VCPU_JOIN_MILLIS = 5_000;

  private final Vm vm;
  private final GuestMemory memory;
  private final Bus ioBus = new Bus("port I/O");
  private final Bus mmioBus = new Bus("MMIO");
  private final BootTimer bootTimer;
  private final Serial serial;
  private final List<VcpuRunLoop> vcpus = new ArrayList<>();
  private final CountDownLatch startGate = new CountDownLatch(1);
  private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private VirtioSlots virtio;

  private Machine(Vm vm, GuestMemory memory, OutputStream console, long startNanos) throws HypervisorException {
    this.vm = vm;
    this.memory = memory;
    this.serial = new Serial(console, vm.interruptLine(X86Layout.COM1_GSI));
    this.bootTimer = new BootTimer(startNanos,
        nanos -> log.info("Guest-boot-time = {} us since VMM start (epoch {} us)", TimeUnit.NANOSECONDS.toMicros(nanos),
            TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis())));
    ioBus.insert(serial, X86Layout.COM1_PORT, Serial.REGISTER_COUNT);
    ioBus.insert(new I8042(() -> stop(VmExit.of(ExitKind.RESET, "guest reset through the i8042"))),
        X86Layout.I8042_DATA_PORT, I8042.PORT_SPAN);
    ioBus.insert(bootTimer, BootTimer.PORT, 1);
  }

  /**
   * Creates the VM, maps RAM, loads the kernel and writes the boot structures. vCPU threads are
   * created and configured here too; {@link #start()} lets them run.
   */
  public static Machine create(X86Hypervisor hv, BootSpec cfg, OutputStream console)
      throws HypervisorException, KernelLoadException {
    return create(hv, cfg, console, List.of());
  }

  /** As {@link #create(X86Hypervisor, BootSpec, OutputStream)}, with virtio devices on the MMIO bus. */
  public static Machine create(X86Hypervisor hv, BootSpec cfg, OutputStream console,
      List<dev.sbx.vmm.virtio.VirtioDevice> devices) throws HypervisorException, KernelLoadException {
    long startNanos = System.nanoTime();
    if (cfg.vcpus() > hv.maxVcpus()) {
      throw new HypervisorException(cfg.vcpus() + " vCPUs requested; " + hv.name() + " allows at most " + hv.maxVcpus());
    }
    GuestRamLayout layout = new GuestRamLayout(cfg.memoryBytes());
    List<CpuidEntry> supported = hv.supportedCpuid();
    int physBits = hostPhysBits(supported);
    long ramEnd = layout.ranges().get(layout.ranges().size() - 1).start() + layout.ranges().get(layout.ranges().size() - 1).size();
    if (physBits < 64 && ramEnd > (1L << physBits)) {
      throw new HypervisorException("guest memory ends at 0x" + Long.toHexString(ramEnd)
          + ", beyond the host's " + physBits + "-bit physical address space; use less memory");
    }
    Vm vm = hv.createVm(new VmSpec(cfg.vcpus()));
    Machine m = null;
    try {
      GuestMemory mem = vm.addMemory(layout.ranges());
      m = new Machine(vm, mem, console, startNanos);
      LoadedKernel kernel = KernelLoader.load(cfg.kernel(), mem);
      Optional<Initrd> initrd = Optional.empty();
      if (cfg.initrd().isPresent()) {
        initrd = Optional.of(KernelLoader.loadInitrd(cfg.initrd().get(), mem, kernel, layout.lowRamEnd()));
      }
      m.virtio = VirtioSlots.attach(vm, mem, m.mmioBus, devices);
      long rsdp = m.writePlatformTables(cfg.vcpus(), m.virtio.slots());
      X86BootState boot;
      try {
        boot = X86Boot.configure(mem, kernel, cfg.cmdline() + m.virtio.cmdline(), initrd, layout.e820(), rsdp, true);
      } catch (IllegalArgumentException e) {
        throw new KernelLoadException(e.getMessage(), e);
      }
      log.info("booting {} via {} with {} vCPUs and {} MiB", cfg.kernel(), boot.protocol(), cfg.vcpus(),
          cfg.memoryBytes() >> 20);
      for (int i = 0; i < cfg.vcpus(); i++) {
        List<CpuidEntry> cpuid = CpuidNormalizer.normalize(supported, i, cfg.vcpus(), physBits);
        m.vcpus.add(new VcpuRunLoop(m, i, cpuid, i == 0 ? boot : null));
      }
      for (VcpuRunLoop t : m.vcpus) {
        t.awaitConfigured();
      }
      return m;
    } catch (HypervisorException | KernelLoadException | RuntimeException e) {
      if (m != null) {
        m.close();
      } else {
        vm.close();
      }
      throw e;
    }
  }

  /**
   * Writes the ACPI tables (always) and the MP table (when it fits) describing the vCPUs, the
   * legacy devices and the virtio-mmio slots; returns the RSDP address for the boot protocol.
   */
  private long writePlatformTables(int vcpuCount, List<MmioSlot> virtioSlots) {
    if (MpTable.fits(vcpuCount, virtioSlots)) {
      GuestBlob mp = MpTable.build(vcpuCount, virtioSlots, X86Layout.MPTABLE_START);
      memory.write(mp.address(), mp.bytes());
    }
    AcpiTableSet acpi = X86AcpiTables.build(vcpuCount, virtioSlots, true, true);
    for (GuestBlob blob : acpi.blobs()) {
      memory.write(blob.address(), blob.bytes());
    }
    return acpi.rsdpAddress();
  }

  private static int hostPhysBits(List<CpuidEntry> supported) {
    for (CpuidEntry e : supported) {
      if (e.function() == 0x80000008) {
        return e.eax() & 0xff;
      }
    }
    return 36;
  }

  public GuestMemory memory() {
    return memory;
  }

  public Bus ioBus() {
    return ioBus;
  }

  public Bus mmioBus() {
    return mmioBus;
  }

  /** Kernel-side doorbells and interrupt events, when the hypervisor has them. */
  public Optional<EventPlumbing> eventPlumbing() {
    return vm.eventPlumbing();
  }

  /** An interrupt line of the guest's interrupt controller. */
  public InterruptLine interruptLine(int gsi) throws HypervisorException {
    return vm.interruptLine(gsi);
  }

  public Serial serial() {
    return serial;
  }

  /** Nanoseconds from VMM start to the guest's boot-timer write, if it happened. */
  public OptionalLong bootNanos() {
    long n = bootTimer.bootNanos();
    return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
  }

  /** Lets the vCPUs run. */
  public void start() {
    startGate.countDown();
  }

  /**
   * Waits for the machine to end; after {@code timeout} it is stopped with {@link ExitKind#TIMEOUT}
   * and the vCPU's RIP.
   */
  public VmExit awaitExit(Duration timeout) throws InterruptedException {
    try {
      return exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      String detail = "guest still running after " + timeout.toMillis() + " ms";
      stop(new VmExit(ExitKind.TIMEOUT, detail, 0, OptionalLong.empty()));
      VmExit result = exit.join();
      if (result.kind() == ExitKind.TIMEOUT && !vcpus.isEmpty() && vcpus.get(0).join(VCPU_JOIN_MILLIS)) {
        // The vCPU records where it was once it has left the guest.
        return new VmExit(ExitKind.TIMEOUT, detail, 0, vcpus.get(0).lastRip());
      }
      return result;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ends the machine; the first reason given wins. Safe from any thread, including vCPU threads. */
  public void stop(VmExit reason) {
    if (exit.complete(reason)) {
      log.info("machine stopping: {}", reason.describe());
      for (VcpuRunLoop t : vcpus) {
        t.kick();
      }
    }
  }

  boolean stopping() {
    return exit.isDone();
  }

  void awaitStart() throws InterruptedException {
    startGate.await();
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    stop(VmExit.of(ExitKind.STOPPED, "closed by the VMM"));
    startGate.countDown();
    boolean allJoined = true;
    for (VcpuRunLoop t : vcpus) {
      allJoined &= t.join(VCPU_JOIN_MILLIS);
    }
    if (virtio != null) {
      virtio.close();
    }
    if (allJoined) {
      vm.close();
    } else {
      // Unmapping RAM under a vCPU still in the guest would corrupt the process; leak instead.
      log.error("a vCPU thread did not leave the guest; VM resources are left mapped");
    }
  }

  Vm vm() {
    return vm;
  }
}
