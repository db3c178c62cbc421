package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.loader.KernelLoader.Initrd;
import dev.sbx.vmm.loader.LoadedKernel;
import dev.sbx.vmm.memory.GuestMemory;
import java.util.List;
import java.util.Optional;

/**
 * Linux's {@code struct boot_params} for the 64-bit boot protocol
 * (arch/x86/include/uapi/asm/bootparam.h). For a bzImage the kernel's own setup header is copied
 * in; for an ELF vmlinux the fields the kernel reads are synthesized.
 */
public final class ZeroPage {
  public static final int SIZE = 4096;
  static final int ACPI_RSDP_ADDR = 0x070;
  static final int EXT_RAMDISK_IMAGE = 0x0c0;
  static final int EXT_RAMDISK_SIZE = 0x0c4;
  static final int EXT_CMD_LINE_PTR = 0x0c8;
  static final int E820_ENTRIES = 0x1e8;
  static final int SETUP_HEADER = 0x1f1;
  static final int BOOT_FLAG = 0x1fe;
  static final int HEADER = 0x202;
  static final int TYPE_OF_LOADER = 0x210;
  static final int LOADFLAGS = 0x211;
  static final int RAMDISK_IMAGE = 0x218;
  static final int RAMDISK_SIZE = 0x21c;
  static final int HEAP_END_PTR = 0x224;
  static final int CMD_LINE_PTR = 0x228;
  static final int KERNEL_ALIGNMENT = 0x230;
  static final int CMDLINE_SIZE = 0x238;
  static final int E820_TABLE = 0x2d0;
  static final int E820_MAX_ENTRIES = 128;
  static final int E820_ENTRY_SIZE = 20;

  private static final int LOADED_HIGH = 0x01;
  private static final int CAN_USE_HEAP = 0x80;

  private ZeroPage() {}

  public static void write(GuestMemory mem, LoadedKernel kernel, long cmdlineAddr, int cmdlineLength,
      Optional<Initrd> initrd, List<E820Entry> e820, long rsdpAddr) {
    if (e820.isEmpty() || e820.size() > E820_MAX_ENTRIES) {
      throw new IllegalArgumentException("e820 table needs 1.." + E820_MAX_ENTRIES + " entries");
    }
    long zp = BootLayout.ZERO_PAGE_ADDR;
    mem.zero(zp, SIZE);
    if (kernel.isBzImage()) {
      mem.write(zp + SETUP_HEADER, kernel.setupHeader());
    } else {
      mem.writeShort(zp + BOOT_FLAG, (short) 0xAA55);
      mem.writeInt(zp + HEADER, 0x53726448);
      mem.writeInt(zp + KERNEL_ALIGNMENT, 0x0100_0000);
      mem.writeInt(zp + CMDLINE_SIZE, kernel.cmdlineMax() - 1);
    }
    mem.writeByte(zp + TYPE_OF_LOADER, (byte) 0xff);
    mem.writeByte(zp + LOADFLAGS, (byte) (mem.readByte(zp + LOADFLAGS) | LOADED_HIGH | CAN_USE_HEAP));
    mem.writeShort(zp + HEAP_END_PTR, (short) 0xfe00);
    mem.writeInt(zp + CMD_LINE_PTR, (int) cmdlineAddr);
    mem.writeInt(zp + EXT_CMD_LINE_PTR, (int) (cmdlineAddr >>> 32));
    mem.writeLong(zp + ACPI_RSDP_ADDR, rsdpAddr);
    initrd.ifPresent(rd -> {
      mem.writeInt(zp + RAMDISK_IMAGE, (int) rd.address());
      mem.writeInt(zp + EXT_RAMDISK_IMAGE, (int) (rd.address() >>> 32));
      mem.writeInt(zp + RAMDISK_SIZE, (int) rd.size());
      mem.writeInt(zp + EXT_RAMDISK_SIZE, (int) (rd.size() >>> 32));
    });
    mem.writeByte(zp + E820_ENTRIES, (byte) e820.size());
    long e = zp + E820_TABLE;
    for (E820Entry entry : e820) {
      mem.writeLong(e, entry.address());
      mem.writeLong(e + 8, entry.size());
      mem.writeInt(e + 16, entry.type());
      e += E820_ENTRY_SIZE;
    }
  }
}
