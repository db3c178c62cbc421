package dev.sbx.vmm.arch.x86_64;

/** How the kernel is entered. */
public enum BootProtocol {
  /** Xen PVH: 32-bit protected mode, paging off, {@code ebx} = {@code hvm_start_info}. */
  PVH,
  /** Linux 64-bit boot protocol: long mode, identity map, {@code rsi} = zero page. */
  LINUX_64
}
