package dev.sbx.cli.runtime;

import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.kvm.KvmHypervisor;
import dev.sbx.vmm.loader.KernelLoadException;
import dev.sbx.vmm.machine.ExitKind;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.machine.MachineConfig;
import dev.sbx.vmm.machine.MachineExit;
import dev.sbx.vmm.virtio.VirtioDevice;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kvm engine: our own {@link Machine} on KVM, the same device objects on virtio-mmio in this
 * process. Not bootable on the project's machines (their {@code /dev/kvm} is PVM, which cannot run
 * a stock kernel), so only the tcg engine is exercised end to end here.
 */
final class KvmBackend implements VmBackend {

  @Override
  public String engine() {
    return "kvm";
  }

  @Override
  public String kernelParameters() {
    return "";
  }

  @Override
  public Running start(BootSpec boot, List<SandboxDevice> devices, SandboxFiles files, OutputStream console)
      throws IOException {
    List<VirtioDevice> virtio = devices.stream().map(SandboxDevice::device).toList();
    KvmHypervisor hv = null;
    try {
      hv = KvmHypervisor.open();
      Machine m = Machine.create(hv, new MachineConfig(boot.kernel(), Optional.empty(), boot.cmdline(), boot.cpus(),
          boot.memoryBytes()), console, virtio);
      m.start();
      return new RunningKvm(hv, m);
    } catch (HypervisorException | KernelLoadException e) {
      if (hv != null) {
        hv.close();
      }
      throw new IOException(e.getMessage(), e);
    }
  }

  private static final class RunningKvm implements Running {
    private final KvmHypervisor hv;
    private final Machine machine;
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();

    RunningKvm(KvmHypervisor hv, Machine machine) {
      this.hv = hv;
      this.machine = machine;
      Thread t = new Thread(() -> {
        try {
          exit.complete(of(machine.awaitExit(Duration.ofDays(36500))));
        } catch (InterruptedException e) {
          exit.complete(new VmExit(false, "interrupted"));
        }
      }, "kvm-exit");
      t.setDaemon(true);
      t.start();
    }

    /** Init ends the VM with a triple fault (reboot=t): for a sandbox that is the guest's clean end. */
    private static VmExit of(MachineExit e) {
      boolean clean = e.kind().isClean() || e.kind() == ExitKind.TRIPLE_FAULT;
      return new VmExit(clean, e.kind() == ExitKind.TRIPLE_FAULT ? "guest powered off or reset" : e.describe());
    }

    @Override
    public long enginePid() {
      return -1;
    }

    @Override
    public CompletableFuture<VmExit> onExit() {
      return exit;
    }

    @Override
    public VmExit stop(Duration grace) {
      machine.stop(MachineExit.of(ExitKind.STOPPED, "stopped by sbx"));
      try {
        return exit.get(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        return new VmExit(true, "stopped by sbx");
      }
    }

    @Override
    public void close() {
      machine.close();
      hv.close();
    }
  }
}
