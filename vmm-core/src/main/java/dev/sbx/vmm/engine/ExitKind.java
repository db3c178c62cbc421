package dev.sbx.vmm.engine;

/** How a VM ended. */
public enum ExitKind {
  /** The guest reset itself (i8042, a reset event, or QEMU's exit under {@code -no-reboot}): a microVM's clean end. */
  RESET(true),
  /** The guest powered off. */
  POWER_OFF(true),
  /** The VMM was asked to stop. */
  STOPPED(true),
  TRIPLE_FAULT(false),
  /** A vCPU halted with nothing to wake it. */
  HALTED(false),
  INTERNAL_ERROR(false),
  FAIL_ENTRY(false),
  UNHANDLED_EXIT(false),
  GUEST_PANIC(false),
  TIMEOUT(false),
  /** The VMM itself failed (a vCPU thread threw). */
  VMM_ERROR(false),
  /** The engine's own process (QEMU) died. */
  ENGINE_FAILED(false),
  /** A device model stopped serving while the guest ran. */
  DEVICE_FAILED(false);

  private final boolean clean;

  ExitKind(boolean clean) {
    this.clean = clean;
  }

  public boolean isClean() {
    return clean;
  }
}
