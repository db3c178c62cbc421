package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.loader.KernelLoader;

/**
 * Where the x86_64 boot-protocol structures go in low guest memory. The addresses follow
 * Firecracker's {@code arch/x86_64/layout.rs} so that anyone who knows one VMM can read the other.
 */
public final class BootLayout {
  /** Boot GDT (4 entries). */
  public static final long GDT_ADDR = 0x500;
  /** Boot IDT: empty, so any exception before the kernel loads its own triple-faults. */
  public static final long IDT_ADDR = 0x520;
  /** PVH {@code hvm_start_info}. */
  public static final long PVH_INFO_ADDR = 0x6000;
  /** PVH module list (the initrd), right after the start info. */
  public static final long PVH_MODLIST_ADDR = 0x6040;
  /** PVH memory map; shares the zero page's address because one boot uses one protocol. */
  public static final long PVH_MEMMAP_ADDR = 0x7000;
  /** Linux {@code struct boot_params} ("zero page"). */
  public static final long ZERO_PAGE_ADDR = 0x7000;
  /** Initial stack pointer for the 64-bit entry. */
  public static final long BOOT_STACK_POINTER = 0x8ff0;
  /** Identity page tables: PML4, PDPT, PD. */
  public static final long PML4_ADDR = 0x9000;
  public static final long PDPT_ADDR = 0xa000;
  public static final long PD_ADDR = 0xb000;
  /** Kernel command line. */
  public static final long CMDLINE_ADDR = 0x20000;
  /** Longest command line we place, NUL included (Linux's x86 COMMAND_LINE_SIZE). */
  public static final int CMDLINE_MAX_SIZE = KernelLoader.CMDLINE_MAX_SIZE;
  /** End of the usable low RAM: the EBDA, holding the MP and ACPI tables, starts here. */
  public static final long EBDA_START = X86Layout.MPTABLE_START;
  /** Start of high memory: ELF kernels are linked to load here or above. */
  public static final long HIMEM_START = KernelLoader.HIMEM_START;
  /** Start of the 32-bit MMIO hole; RAM above it is relocated to 4 GiB. */
  public static final long MMIO_GAP_START = X86Layout.MMIO_32_START;
  public static final long MMIO_GAP_END = 0x1_0000_0000L;

  private BootLayout() {}
}
