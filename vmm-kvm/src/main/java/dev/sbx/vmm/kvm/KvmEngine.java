package dev.sbx.vmm.kvm;

import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineAvailability;
import dev.sbx.vmm.engine.EngineException;
import dev.sbx.vmm.engine.EnginePaths;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.RunningVm;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.loader.KernelLoadException;
import dev.sbx.vmm.machine.Machine;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kvm engine: our own {@link Machine} on Linux KVM, the devices on virtio-mmio in this process,
 * one platform thread per vCPU.
 */
public final class KvmEngine implements Engine {

  @Override
  public String id() {
    return "kvm";
  }

  @Override
  public boolean hardwareAccelerated() {
    return true;
  }

  /**
   * Our machine has an i8042, so the guest resets through it ({@code reboot=k}, overriding the
   * image's {@code reboot=t}, which engines without one need): a triple fault then stays what it
   * is, an error with the vCPU that caused it, instead of passing for the guest's own reset.
   */
  @Override
  public String resetParameter() {
    return "reboot=k";
  }

  @Override
  public EngineAvailability availability() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return EngineAvailability.foreign("the kvm engine needs Linux");
    }
    return KvmHostProbe.availability();
  }

  @Override
  public RunningVm start(BootSpec boot, List<AttachedDevice> devices, EnginePaths paths, OutputStream console)
      throws EngineException {
    KvmHypervisor hv = null;
    try {
      hv = KvmHypervisor.open();
      Machine m = Machine.create(hv, boot, console, devices.stream().map(AttachedDevice::device).toList());
      m.start();
      return new Running(hv, m);
    } catch (HypervisorException | KernelLoadException e) {
      if (hv != null) {
        hv.close();
      }
      throw new EngineException(e.getMessage(), e);
    }
  }

  /** A machine in this process; its exit is awaited on a daemon thread so callers can compose it. */
  private static final class Running implements RunningVm {
    private final KvmHypervisor hv;
    private final Machine machine;
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();

    Running(KvmHypervisor hv, Machine machine) {
      this.hv = hv;
      this.machine = machine;
      Thread t = new Thread(() -> {
        try {
          exit.complete(machine.awaitExit(Duration.ofDays(36500)));
        } catch (InterruptedException e) {
          exit.complete(VmExit.of(ExitKind.VMM_ERROR, "interrupted"));
        }
      }, "kvm-exit");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public OptionalLong enginePid() {
      return OptionalLong.empty();
    }

    @Override
    public CompletableFuture<VmExit> onExit() {
      return exit;
    }

    /** The machine's own timeout, which reports vCPU 0's RIP. */
    @Override
    public VmExit awaitExit(Duration timeout) throws InterruptedException {
      VmExit e = machine.awaitExit(timeout);
      exit.complete(e);
      return e;
    }

    @Override
    public VmExit stop(Duration grace) {
      machine.stop(VmExit.of(ExitKind.STOPPED, "stopped by sbx"));
      try {
        return exit.get(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        return VmExit.of(ExitKind.STOPPED, "stopped by sbx");
      }
    }

    @Override
    public void close() {
      machine.close();
      hv.close();
    }
  }
}
