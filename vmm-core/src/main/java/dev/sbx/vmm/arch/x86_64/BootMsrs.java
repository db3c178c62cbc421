package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.Msr;

import java.util.List;

/** MSR values every vCPU starts with (Firecracker's {@code create_boot_msr_entries}). */
public final class BootMsrs {
  public static final int IA32_SYSENTER_CS = 0x174;
  public static final int IA32_SYSENTER_ESP = 0x175;
  public static final int IA32_SYSENTER_EIP = 0x176;
  public static final int IA32_TSC = 0x10;
  public static final int IA32_MISC_ENABLE = 0x1a0;
  public static final int MTRR_DEF_TYPE = 0x2ff;
  public static final int STAR = 0xc0000081;
  public static final int LSTAR = 0xc0000082;
  public static final int CSTAR = 0xc0000083;
  public static final int SYSCALL_MASK = 0xc0000084;
  public static final int KERNEL_GS_BASE = 0xc0000102;

  /** MISC_ENABLE bit 0: fast string operations. */
  private static final long MISC_ENABLE_FAST_STRING = 1;
  /** MTRRs enabled (bit 11), default memory type write-back (6). */
  private static final long MTRR_ENABLE_WB = (1 << 11) | 6;

  private BootMsrs() {}

  public static List<Msr> entries() {
    return List.of(
        new Msr(IA32_SYSENTER_CS, 0), new Msr(IA32_SYSENTER_ESP, 0), new Msr(IA32_SYSENTER_EIP, 0),
        new Msr(STAR, 0), new Msr(CSTAR, 0), new Msr(KERNEL_GS_BASE, 0), new Msr(SYSCALL_MASK, 0),
        new Msr(LSTAR, 0), new Msr(IA32_TSC, 0), new Msr(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
        new Msr(MTRR_DEF_TYPE, MTRR_ENABLE_WB));
  }
}
