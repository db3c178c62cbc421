package dev.sbx.vmm.tcg;

import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.VmExit;

/**
 * How a QEMU process ended.
 *
 * @param exitCode the process status (128+N after signal N)
 * @param requested whether the VMM asked it to stop
 */
public record QemuExit(int exitCode, boolean requested) {

  /** QEMU exits 0 when the guest powers off or resets (we run it with {@code -no-reboot}). */
  public boolean clean() {
    return exitCode == 0 || requested;
  }

  /** The VM's end as every engine reports it; QEMU exits 0 for both a reset and a poweroff. */
  public VmExit toVmExit() {
    if (requested) {
      return VmExit.of(ExitKind.STOPPED, describe());
    }
    return exitCode == 0 ? VmExit.of(ExitKind.RESET, describe()) : VmExit.of(ExitKind.ENGINE_FAILED, describe());
  }

  public String describe() {
    if (requested) {
      return "stopped by sbx";
    }
    if (exitCode == 0) {
      return "guest powered off or reset";
    }
    return exitCode > 128 ? "qemu exited: signal " + (exitCode - 128) : "qemu exited with status " + exitCode;
  }
}
