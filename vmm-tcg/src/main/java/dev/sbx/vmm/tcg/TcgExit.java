package dev.sbx.vmm.tcg;

/**
 * How a tcg machine ended.
 *
 * @param clean the guest powered off or reset, or sbx stopped it; otherwise QEMU or a device died
 * @param reason one line for the user
 */
public record TcgExit(boolean clean, String reason) {

  static TcgExit of(QemuExit exit) {
    return new TcgExit(exit.clean(), exit.describe());
  }
}
