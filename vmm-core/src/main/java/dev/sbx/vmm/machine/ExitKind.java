package dev.sbx.vmm.machine;

/** How a machine ended. */
public enum ExitKind {
  /** The guest reset itself (i8042 or a reset event): a clean end for a microVM. */
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
  VMM_ERROR(false);

  private final boolean clean;

  ExitKind(boolean clean) {
    this.clean = clean;
  }

  public boolean isClean() {
    return clean;
  }
}
