package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.memory.GuestMemory;

/**
 * Identity map of the first 1 GiB with 2 MiB pages, enough for the kernel, the zero page and the
 * command line until the kernel builds its own tables.
 */
public final class PageTables {
  static final long PRESENT_WRITABLE = 0x03;
  static final long PAGE_SIZE_2M = 0x80;

  private PageTables() {}

  public static void writeIdentityMap(GuestMemory mem) {
    mem.zero(BootLayout.PML4_ADDR, 0x3000);
    mem.writeLong(BootLayout.PML4_ADDR, BootLayout.PDPT_ADDR | PRESENT_WRITABLE);
    mem.writeLong(BootLayout.PDPT_ADDR, BootLayout.PD_ADDR | PRESENT_WRITABLE);
    for (long i = 0; i < 512; i++) {
      mem.writeLong(BootLayout.PD_ADDR + i * 8, (i << 21) | PAGE_SIZE_2M | PRESENT_WRITABLE);
    }
  }
}
