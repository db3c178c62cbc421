package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.Vm.MemoryRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Where guest RAM of a given size lives: from 0 up to the 32-bit MMIO gap at 3 GiB, and the rest
 * from 4 GiB. Also the e820 map the guest is told about.
 */
public record GuestRamLayout(long size) {
  /** Below this the boot structures, the kernel and the initrd do not fit. */
  public static final long MIN_SIZE = 16L << 20;

  public GuestRamLayout {
    if (size < MIN_SIZE || (size & 0xfff) != 0) {
      throw new IllegalArgumentException("guest memory must be a multiple of 4 KiB and at least "
          + (MIN_SIZE >> 20) + " MiB, got " + size + " bytes");
    }
  }

  /** The RAM ranges to map. */
  public List<MemoryRange> ranges() {
    List<MemoryRange> ranges = new ArrayList<>(2);
    long low = Math.min(size, BootLayout.MMIO_GAP_START);
    ranges.add(new MemoryRange(0, low));
    if (size > low) {
      ranges.add(new MemoryRange(BootLayout.MMIO_GAP_END, size - low));
    }
    return ranges;
  }

  /** End of RAM below the MMIO gap. */
  public long lowRamEnd() {
    return Math.min(size, BootLayout.MMIO_GAP_START);
  }

  /**
   * The e820 map: conventional memory below the EBDA, the EBDA (MP and ACPI tables) reserved, and
   * RAM from 1 MiB; the BIOS area between 0xE0000 and 1 MiB, where the RSDP sits, is left out.
   */
  public List<E820Entry> e820() {
    List<E820Entry> map = new ArrayList<>(4);
    map.add(new E820Entry(0, BootLayout.EBDA_START, E820Entry.RAM));
    map.add(new E820Entry(BootLayout.EBDA_START, X86Layout.RSDP_ADDR - BootLayout.EBDA_START, E820Entry.RESERVED));
    map.add(new E820Entry(BootLayout.HIMEM_START, lowRamEnd() - BootLayout.HIMEM_START, E820Entry.RAM));
    if (size > lowRamEnd()) {
      map.add(new E820Entry(BootLayout.MMIO_GAP_END, size - lowRamEnd(), E820Entry.RAM));
    }
    return List.copyOf(map);
  }
}
