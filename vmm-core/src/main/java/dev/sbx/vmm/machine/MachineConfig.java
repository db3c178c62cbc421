package dev.sbx.vmm.machine;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What to boot and with how much: the engine-independent description of one microVM.
 *
 * @param cmdline full kernel command line (device entries are appended by the machine)
 */
public record MachineConfig(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long memoryBytes) {
  /** Firecracker's guest command line, minus the options that would hide our devices. */
  public static final String DEFAULT_CMDLINE =
      "console=ttyS0 reboot=k panic=1 nomodule i8042.noaux i8042.nomux i8042.dumbkbd";

  public MachineConfig {
    if (vcpus < 1) {
      throw new IllegalArgumentException("a VM needs at least one vCPU");
    }
  }
}
