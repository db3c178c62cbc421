package dev.sbx.vmm.kvm;

import dev.sbx.vmm.engine.EngineAvailability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this host's {@code /dev/kvm} can run a stock Linux guest. Some hosts (the PVM host
 * module, used where there is no nested hardware virtualization) emulate guest ring 0 in software:
 * small freestanding guests run, a stock kernel does not (vmm-facts §7).
 */
public final class KvmHostProbe {
  static final Path PVM_MODULE = Path.of("/sys/module/kvm_pvm");

  private KvmHostProbe() {}

  /**
   * Usable when {@code /dev/kvm} is backed by VT-x or AMD-V ({@code kvm_intel} or {@code kvm_amd},
   * also when that is itself nested inside another hypervisor); degraded on PVM; missing without
   * {@code /dev/kvm}.
   */
  public static EngineAvailability availability() {
    Optional<String> why = whyNotHardwareBacked();
    if (why.isEmpty()) {
      return EngineAvailability.USABLE;
    }
    return Files.exists(KvmHypervisor.DEVICE) ? EngineAvailability.degraded(why.get())
        : EngineAvailability.missing(why.get());
  }

  /** Empty if {@code /dev/kvm} looks hardware-backed; otherwise why a stock kernel cannot run. */
  public static Optional<String> whyNotHardwareBacked() {
    if (!Files.exists(KvmHypervisor.DEVICE)) {
      return Optional.of("/dev/kvm does not exist");
    }
    if (Files.exists(PVM_MODULE)) {
      return Optional.of("/dev/kvm is provided by the kvm_pvm module, which emulates guest ring 0 in software "
          + "and cannot boot a stock Linux kernel");
    }
    return Optional.empty();
  }
}
