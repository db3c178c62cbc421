package dev.sbx.vmm.machine;

import dev.sbx.vmm.arch.x86_64.BootMsrs;
import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;
import dev.sbx.vmm.hypervisor.x86_64.FpuState;
import dev.sbx.vmm.arch.x86_64.X86BootState;
import dev.sbx.vmm.bus.Bus;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vcpu;
import dev.sbx.vmm.hypervisor.VcpuExit;
import dev.sbx.vmm.hypervisor.x86_64.X86Vcpu;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vCPU's thread and run loop: where every vCPU exit is handled. Port I/O and MMIO exits go to
 * the machine's buses; a kick returns to the loop so it can see the machine stopping; any other
 * exit ends the machine with a {@link VmExit} naming the vCPU and its RIP.
 */
final class VcpuRunLoop {
  private static final Logger log = LoggerFactory.getLogger(VcpuRunLoop.class);
  /** Where an x86 CPU starts after RESET/INIT: CS base 0xFFFF0000, IP 0xFFF0. */
  private static final long RESET_RIP = 0xfff0;
  private static final long RESET_CS_BASE = 0xffff0000L;

  private final Machine machine;
  private final int index;
  private final Thread thread;
  private final CompletableFuture<Void> configured = new CompletableFuture<>();
  private volatile Vcpu vcpu;
  private volatile long lastRip = -1;

  VcpuRunLoop(Machine machine, int index, List<CpuidEntry> cpuid, X86BootState boot) {
    this.machine = machine;
    this.index = index;
    this.thread = new Thread(() -> run(cpuid, boot), "vcpu-" + index);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void awaitConfigured() throws HypervisorException {
    try {
      configured.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof HypervisorException he) {
        throw he;
      }
      throw new HypervisorException("vCPU " + index + " set-up failed: " + e.getCause(), e.getCause());
    }
  }

  void kick() {
    Vcpu v = vcpu;
    if (v != null) {
      v.kick();
    }
  }

  OptionalLong lastRip() {
    long r = lastRip;
    return r < 0 ? OptionalLong.empty() : OptionalLong.of(r);
  }

  boolean join(long millis) {
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  private void run(List<CpuidEntry> cpuid, X86BootState boot) {
    try (Vcpu v = machine.vm().createVcpu(index)) {
      configure(v, cpuid, boot);
      vcpu = v;
      configured.complete(null);
      machine.awaitStart();
      loop(v);
    } catch (HypervisorException e) {
      if (!configured.completeExceptionally(e)) {
        machine.stop(new VmExit(ExitKind.VMM_ERROR, e.getMessage(), index, OptionalLong.empty()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      log.error("vCPU {} failed", index, e);
      if (!configured.completeExceptionally(e)) {
        machine.stop(new VmExit(ExitKind.VMM_ERROR, String.valueOf(e), index, OptionalLong.empty()));
      }
    }
  }

  private static void configure(Vcpu v, List<CpuidEntry> cpuid, X86BootState boot) throws HypervisorException {
    X86Vcpu x86 = X86Vcpu.of(v);
    // Order matters on KVM: CPUID first, because it decides which MSRs exist.
    x86.setCpuid(cpuid);
    x86.setMsrs(BootMsrs.entries());
    x86.setFpu(FpuState.DEFAULT);
    x86.setupLapic();
    if (boot != null) {
      x86.setRegisters(boot.registers());
      x86.setSpecialRegisters(boot.applyTo(x86.specialRegisters()));
    }
  }

  private void loop(Vcpu v) throws HypervisorException {
    Bus io = machine.ioBus();
    Bus mmio = machine.mmioBus();
    while (!machine.stopping()) {
      var e = v.run();
      if (e instanceof VcpuExit.IoOut o) {
        io.write(o.port(), o.size(), o.data());
      } else if (e instanceof VcpuExit.IoIn in) {
        v.completeRead(io.read(in.port(), in.size()));
      } else if (e instanceof VcpuExit.MmioWrite w) {
        mmio.write(w.address(), w.size(), w.data());
      } else if (e instanceof VcpuExit.MmioRead r) {
        v.completeRead(mmio.read(r.address(), r.size()));
      } else if (!(e instanceof VcpuExit.Interrupted)) {
        machine.stop(terminal(v, e));
      }
    }
    lastRip = rip(v).orElse(-1);
  }

  private VmExit terminal(Vcpu v, VcpuExit e) {
    OptionalLong rip = rip(v);
    if (e instanceof VcpuExit.SystemEvent se) {
      return switch (se.kind()) {
        case RESET -> new VmExit(ExitKind.RESET, "guest requested a reset", index, rip);
        case POWER_OFF -> new VmExit(ExitKind.POWER_OFF, "guest powered off", index, rip);
        case CRASH -> new VmExit(ExitKind.GUEST_PANIC, "guest reported a crash", index, rip);
      };
    }
    if (e instanceof VcpuExit.Shutdown) {
      return new VmExit(ExitKind.TRIPLE_FAULT, "the guest triple-faulted", index, ripBeforeShutdown(v, rip));
    }
    if (e instanceof VcpuExit.Halt) {
      return new VmExit(ExitKind.HALTED, "vCPU halted", index, rip);
    }
    if (e instanceof VcpuExit.InternalError ie) {
      return new VmExit(ExitKind.INTERNAL_ERROR, "hypervisor internal error " + ie.suberror()
          + (ie.detail().isEmpty() ? "" : " (" + ie.detail() + ")"), index, rip);
    }
    if (e instanceof VcpuExit.FailEntry fe) {
      return new VmExit(ExitKind.FAIL_ENTRY, "entering the guest failed, reason 0x"
          + Long.toHexString(fe.reason()), index, rip);
    }
    var u = (VcpuExit.Unhandled) e;
    return new VmExit(ExitKind.UNHANDLED_EXIT, "unhandled exit " + u.name() + " (" + u.reason() + ")", index, rip);
  }

  /**
   * On AMD, KVM re-initialises the vCPU after a shutdown intercept (the VMCB is undefined then), so
   * the registers read back as the reset vector: report no RIP rather than a wrong one.
   */
  private static OptionalLong ripBeforeShutdown(Vcpu v, OptionalLong rip) {
    if (rip.isEmpty() || rip.getAsLong() != RESET_RIP) {
      return rip;
    }
    try {
      return X86Vcpu.of(v).specialRegisters().cs().base() == RESET_CS_BASE ? OptionalLong.empty() : rip;
    } catch (HypervisorException | RuntimeException ex) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong rip(Vcpu v) {
    try {
      return OptionalLong.of(X86Vcpu.of(v).registers().rip());
    } catch (HypervisorException | RuntimeException ex) {
      return OptionalLong.empty();
    }
  }
}
