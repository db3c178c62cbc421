package dev.sbx.vmm.engine;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * Why and where a VM ended, whatever the engine.
 *
 * @param vcpu the vCPU that caused it, or -1
 * @param rip its instruction pointer, when known
 */
public record VmExit(ExitKind kind, String detail, int vcpu, OptionalLong rip) {

  public static VmExit of(ExitKind kind, String detail) {
    return new VmExit(kind, detail, -1, OptionalLong.empty());
  }

  /** The guest ended itself, or the VMM stopped it; otherwise the engine, a device or the guest failed. */
  public boolean clean() {
    return kind.isClean();
  }

  /** One line for users: what happened and where. */
  public String describe() {
    String name = kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    return detail.isEmpty() ? name + where() : name + ": " + reason();
  }

  /** The detail and where, without the kind: every detail names what happened on its own. */
  public String reason() {
    return detail + where();
  }

  private String where() {
    StringBuilder sb = new StringBuilder();
    if (vcpu >= 0) {
      sb.append(" (vCPU ").append(vcpu);
      rip.ifPresent(r -> sb.append(", RIP 0x").append(Long.toHexString(r)));
      sb.append(')');
    }
    return sb.toString();
  }
}
