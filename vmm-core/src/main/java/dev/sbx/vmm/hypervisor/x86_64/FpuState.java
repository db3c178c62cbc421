package dev.sbx.vmm.hypervisor.x86_64;

/** The FPU/SSE control words a vCPU starts with; everything else is zero. */
public record FpuState(int fcw, int mxcsr) {
  /** Power-on values (Intel SDM 9.1.1): all exceptions masked. */
  public static final FpuState DEFAULT = new FpuState(0x37f, 0x1f80);
}
