package dev.sbx.vmm.machine;

import java.util.OptionalLong;

/**
 * Why and where a machine stopped.
 *
 * @param vcpu the vCPU that caused it, or -1
 * @param rip its instruction pointer, when known
 */
public record MachineExit(ExitKind kind, String detail, int vcpu, OptionalLong rip) {

  public static MachineExit of(ExitKind kind, String detail) {
    return new MachineExit(kind, detail, -1, OptionalLong.empty());
  }

  /** One line for users: what happened and where. */
  public String describe() {
    StringBuilder sb = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
    if (!detail.isEmpty()) {
      sb.append(": ").append(detail);
    }
    if (vcpu >= 0) {
      sb.append(" (vCPU ").append(vcpu);
      rip.ifPresent(r -> sb.append(", RIP 0x").append(Long.toHexString(r)));
      sb.append(')');
    }
    return sb.toString();
  }
}
