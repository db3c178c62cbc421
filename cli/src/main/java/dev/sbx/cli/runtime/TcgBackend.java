package dev.sbx.cli.runtime;

import dev.sbx.vmm.tcg.HostTsc;
import dev.sbx.vmm.tcg.QemuBinary;
import dev.sbx.vmm.tcg.TcgException;
import dev.sbx.vmm.tcg.TcgExit;
import dev.sbx.vmm.tcg.TcgMachine;
import dev.sbx.vmm.tcg.VhostUserDevice;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The tcg engine: QEMU {@code -M microvm} with (multi-threaded) TCG as the CPU, RAM in a shared
 * memfd, and the sandbox's devices served from this process over vhost-user.
 */
final class TcgBackend implements VmBackend {

  @Override
  public String engine() {
    return "tcg";
  }

  /**
   * On microvm the guest kernel has nothing to calibrate the TSC against and stalls; TCG's TSC
   * runs at the host's rate, so the kernel is told that rate.
   */
  @Override
  public String kernelParameters() {
    return HostTsc.khz().map(k -> "tsc_early_khz=" + k).orElse("");
  }

  @Override
  public Running start(BootSpec boot, List<SandboxDevice> devices, SandboxFiles files, OutputStream console)
      throws IOException {
    List<TcgMachine.Device> attached = new ArrayList<>();
    for (SandboxDevice d : devices) {
      attached.add(new TcgMachine.Device(VhostUserDevice.Kind.of(d.device().deviceType()), d.id(), d.device(),
          d.fsTag().orElse("")));
    }
    try {
      TcgMachine m = TcgMachine.start(new TcgMachine.Config(QemuBinary.require(), boot.kernel(), Optional.empty(), boot.cmdline(),
          boot.cpus(), boot.memoryBytes(), files.runDir(), files.qemuLog()), attached, console);
      return new RunningTcg(m);
    } catch (TcgException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static final class RunningTcg implements Running {
    private final TcgMachine machine;
    private final CompletableFuture<VmExit> exit;

    RunningTcg(TcgMachine machine) {
      this.machine = machine;
      this.exit = machine.onExit().thenApply(RunningTcg::of);
    }

    private static VmExit of(TcgExit e) {
      return new VmExit(e.clean(), e.reason());
    }

    @Override
    public long enginePid() {
      return machine.qemuPid();
    }

    @Override
    public CompletableFuture<VmExit> onExit() {
      return exit;
    }

    @Override
    public VmExit stop(Duration grace) {
      return of(machine.stop(grace));
    }

    @Override
    public void close() {
      machine.close();
    }
  }
}
