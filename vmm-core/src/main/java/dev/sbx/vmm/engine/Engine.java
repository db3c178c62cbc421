package dev.sbx.vmm.engine;

import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * What runs a guest's CPUs: the seam every engine ({@code kvm}, {@code tcg}, {@code hvf},
 * {@code whp}) implements. The device objects, the boot description and the exit are the same for
 * all; only how the CPUs run and how the devices reach them differ. Callers take engines from one
 * list and never branch on an engine's id.
 */
public interface Engine {

  /** The name users select it by: {@code kvm}, {@code tcg} ... */
  String id();

  /** Runs on hardware virtualization; automatic selection prefers these and falls back to emulation. */
  boolean hardwareAccelerated();

  /** Probes this host (cheap: file checks, no VM is created). */
  EngineAvailability availability();

  /** Kernel parameters this engine needs on top of the boot's command line (may be empty). */
  default String kernelParameters() {
    return "";
  }

  /**
   * The reset method that makes the guest's own end a clean {@link ExitKind#RESET} on this engine,
   * appended to sandbox command lines (whose image default is {@code reboot=t}); empty keeps it.
   */
  default String resetParameter() {
    return "";
  }

  /** Why this engine cannot give a guest {@code memoryBytes} of RAM, or empty when it can. */
  default Optional<String> checkMemory(long memoryBytes) {
    return Optional.empty();
  }

  /**
   * Boots a VM. Call from a thread that lives as long as the VM (the VMM's main thread): child
   * processes are tied to it. On failure nothing is left running.
   *
   * @param boot the command line should already carry {@link #kernelParameters()}
   * @param paths where the engine's sockets and log go
   * @param console receives the serial console, written from one thread
   */
  RunningVm start(BootSpec boot, List<AttachedDevice> devices, EnginePaths paths, OutputStream console)
      throws EngineException;
}
