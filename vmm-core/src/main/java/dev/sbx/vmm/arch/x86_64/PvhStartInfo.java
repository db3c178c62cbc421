package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.loader.KernelLoader.Initrd;
import dev.sbx.vmm.memory.GuestMemory;
import java.util.List;
import java.util.Optional;

/**
 * Xen's {@code hvm_start_info} (version 1, 56 bytes), its module list and memory map, as the PVH
 * entry expects them (xen/include/public/arch-x86/hvm/start_info.h).
 */
public final class PvhStartInfo {
  public static final int MAGIC = 0x336ec578;
  public static final int SIZE = 56;
  public static final int MODLIST_ENTRY_SIZE = 32;
  public static final int MEMMAP_ENTRY_SIZE = 24;
  /** Entries that fit between the memmap address and the boot stack. */
  static final int MAX_MEMMAP_ENTRIES = 128;

  private PvhStartInfo() {}

  public static void write(GuestMemory mem, long cmdlineAddr, Optional<Initrd> initrd,
      List<E820Entry> memmap, long rsdpAddr) {
    if (memmap.isEmpty() || memmap.size() > MAX_MEMMAP_ENTRIES) {
      throw new IllegalArgumentException("PVH memmap needs 1.." + MAX_MEMMAP_ENTRIES + " entries");
    }
    long info = BootLayout.PVH_INFO_ADDR;
    mem.zero(info, SIZE);
    mem.writeInt(info, MAGIC);
    mem.writeInt(info + 4, 1);
    mem.writeInt(info + 8, 0);
    mem.writeInt(info + 12, initrd.isPresent() ? 1 : 0);
    mem.writeLong(info + 16, initrd.isPresent() ? BootLayout.PVH_MODLIST_ADDR : 0);
    mem.writeLong(info + 24, cmdlineAddr);
    mem.writeLong(info + 32, rsdpAddr);
    mem.writeLong(info + 40, BootLayout.PVH_MEMMAP_ADDR);
    mem.writeInt(info + 48, memmap.size());
    initrd.ifPresent(rd -> {
      long m = BootLayout.PVH_MODLIST_ADDR;
      mem.zero(m, MODLIST_ENTRY_SIZE);
      mem.writeLong(m, rd.address());
      mem.writeLong(m + 8, rd.size());
    });
    long e = BootLayout.PVH_MEMMAP_ADDR;
    for (E820Entry entry : memmap) {
      mem.writeLong(e, entry.address());
      mem.writeLong(e + 8, entry.size());
      mem.writeInt(e + 16, entry.type());
      mem.writeInt(e + 20, 0);
      e += MEMMAP_ENTRY_SIZE;
    }
  }
}
