package dev.sbx.vmm.engine;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What every engine boots, and with how much: the one engine-independent description of a microVM.
 * Engines take it as it is; none has its own copy of these fields.
 *
 * @param cmdline the full kernel command line; engines append only what they must (device entries,
 *     {@link Engine#kernelParameters()})
 */
public record BootSpec(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long memoryBytes) {
  /** Firecracker's guest command line, minus the options that would hide our devices. */
  public static final String DEFAULT_CMDLINE =
      "console=ttyS0 reboot=k panic=1 nomodule i8042.noaux i8042.nomux i8042.dumbkbd";

  public BootSpec {
    if (vcpus < 1) {
      throw new IllegalArgumentException("a VM needs at least one vCPU");
    }
    if (memoryBytes <= 0) {
      throw new IllegalArgumentException("a VM needs memory");
    }
  }

  /** The same boot with {@code parameters} appended to the command line (nothing if empty). */
  public BootSpec withParameters(String parameters) {
    return parameters.isBlank() ? this
        : new BootSpec(kernel, initrd, cmdline + " " + parameters.strip(), vcpus, memoryBytes);
  }
}
