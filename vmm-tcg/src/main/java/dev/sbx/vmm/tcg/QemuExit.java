package dev.sbx.vmm.tcg;

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
