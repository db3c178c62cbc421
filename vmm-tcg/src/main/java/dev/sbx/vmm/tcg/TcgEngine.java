package dev.sbx.vmm.tcg;

import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineAvailability;
import dev.sbx.vmm.engine.EngineException;
import dev.sbx.vmm.engine.EnginePaths;
import dev.sbx.vmm.engine.RunningVm;
import dev.sbx.vmm.engine.VmExit;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The tcg engine: QEMU {@code -M microvm} with multi-threaded TCG as the CPU, guest RAM in a shared
 * memfd, and every device served from this process over vhost-user. Slow, but needs no hardware
 * virtualization.
 */
public final class TcgEngine implements Engine {

  @Override
  public String id() {
    return "tcg";
  }

  @Override
  public boolean hardwareAccelerated() {
    return false;
  }

  /** Linux only: guest RAM is a memfd shared with QEMU, and vhost-user passes its fd. */
  @Override
  public EngineAvailability availability() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return EngineAvailability.foreign("the tcg engine needs a Linux host");
    }
    return QemuBinary.find().isPresent() ? EngineAvailability.USABLE
        : EngineAvailability.missing("QEMU for the tcg engine is not installed; install it with: " + QemuBinary.INSTALL_HINT);
  }

  /**
   * On microvm the guest kernel has nothing to calibrate the TSC against and stalls; TCG's TSC
   * runs at the host's rate, so the kernel is told that rate.
   */
  @Override
  public String kernelParameters() {
    return HostTsc.khz().map(k -> "tsc_early_khz=" + k).orElse("");
  }

  /** QEMU's {@code -m} takes whole MiB. */
  @Override
  public Optional<String> checkMemory(long memoryBytes) {
    return (memoryBytes & ((1 << 20) - 1)) != 0 ? Optional.of("the tcg engine needs whole MiB, e.g. 256m") : Optional.empty();
  }

  @Override
  public RunningVm start(BootSpec boot, List<AttachedDevice> devices, EnginePaths paths, OutputStream console)
      throws EngineException {
    Optional<String> memory = checkMemory(boot.memoryBytes());
    if (memory.isPresent()) {
      throw new EngineException(memory.get());
    }
    try {
      TcgMachine m = TcgMachine.start(new TcgMachine.Config(QemuBinary.require(), boot, paths.runDir(),
          paths.logDir().resolve("qemu.log")), devices, console);
      return new Running(m);
    } catch (TcgException e) {
      throw new EngineException(e.getMessage(), e);
    }
  }

  private record Running(TcgMachine machine) implements RunningVm {
    @Override
    public OptionalLong enginePid() {
      long pid = machine.qemuPid();
      return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
    }

    @Override
    public CompletableFuture<VmExit> onExit() {
      return machine.onExit();
    }

    @Override
    public VmExit stop(Duration grace) {
      return machine.stop(grace);
    }

    @Override
    public void close() {
      machine.close();
    }
  }
}
