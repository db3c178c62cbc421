package dev.sbx.vmm.engine;

/**
 * Whether an engine can run a stock guest kernel on this host, and if not, why.
 *
 * @param reason empty when usable; otherwise one line naming the cause and, where there is one, the fix
 */
public record EngineAvailability(Status status, String reason) {

  public enum Status {
    /** Runs a stock guest here. */
    USABLE,
    /** Present but cannot boot a stock kernel (a {@code /dev/kvm} that emulates ring 0): experts may still pick it. */
    DEGRADED,
    /** Meant for this kind of host, but missing here (no {@code /dev/kvm}, QEMU not installed ...). */
    MISSING,
    /** Meant for another operating system or CPU: never considered by automatic selection. */
    FOREIGN
  }

  public static final EngineAvailability USABLE = new EngineAvailability(Status.USABLE, "");

  public EngineAvailability {
    if ((status == Status.USABLE) != reason.isEmpty()) {
      throw new IllegalArgumentException("a reason is given exactly when the engine is not usable");
    }
  }

  public static EngineAvailability degraded(String reason) {
    return new EngineAvailability(Status.DEGRADED, reason);
  }

  public static EngineAvailability missing(String reason) {
    return new EngineAvailability(Status.MISSING, reason);
  }

  public static EngineAvailability foreign(String reason) {
    return new EngineAvailability(Status.FOREIGN, reason);
  }

  public boolean usable() {
    return status == Status.USABLE;
  }
}
