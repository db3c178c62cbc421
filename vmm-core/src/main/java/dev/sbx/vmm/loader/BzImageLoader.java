package dev.sbx.vmm.loader;

import dev.sbx.vmm.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.OptionalLong;

/**
 * Loads a bzImage for the Linux 64-bit boot protocol: the protected-mode part at the kernel's
 * preferred address, entered at +0x200 (Documentation/arch/x86/boot.rst).
 */
final class BzImageLoader {
  static final int SETUP_HEADER_OFFSET = 0x1f1;
  private static final int HDRS_MAGIC = 0x53726448;
  private static final int MIN_VERSION = 0x020c;
  private static final int XLF_KERNEL_64 = 1;

  private BzImageLoader() {}

  static boolean isBzImage(ByteBuffer head) {
    return head.limit() >= 0x206 && head.getShort(0x1fe) == (short) 0xAA55 && head.getInt(0x202) == HDRS_MAGIC;
  }

  static LoadedKernel load(FileChannel ch, GuestMemory mem, ByteBuffer head) throws IOException, KernelLoadException {
    int version = Short.toUnsignedInt(head.getShort(0x206));
    int xloadflags = Short.toUnsignedInt(head.getShort(0x236));
    if (version < MIN_VERSION || (xloadflags & XLF_KERNEL_64) == 0) {
      throw new KernelLoadException(String.format(
          "bzImage boot protocol %d.%02d has no 64-bit entry (need 2.12 or newer with XLF_KERNEL_64)",
          version >> 8, version & 0xff));
    }
    int setupSects = Byte.toUnsignedInt(head.get(0x1f1));
    if (setupSects == 0) {
      setupSects = 4;
    }
    long codeOffset = (setupSects + 1L) * 512;
    long fileSize = ch.size();
    if (codeOffset >= fileSize) {
      throw new KernelLoadException("bzImage is truncated: no protected-mode code");
    }
    int headerEnd = 0x202 + Byte.toUnsignedInt(head.get(0x201));
    if (headerEnd > head.limit()) {
      throw new KernelLoadException("bzImage setup header is truncated");
    }
    long prefAddress = head.getLong(0x258);
    long initSize = Integer.toUnsignedLong(head.getInt(0x260));
    long loadAddress = prefAddress >= KernelLoader.HIMEM_START ? prefAddress : KernelLoader.HIMEM_START;
    long codeSize = fileSize - codeOffset;
    long span = Math.max(codeSize, initSize);
    if (!mem.isValidRange(loadAddress, span)) {
      throw new KernelLoadException(String.format(
          "bzImage needs 0x%x bytes at 0x%x; give the VM more memory", span, loadAddress));
    }
    ElfKernelLoader.copy(ch, codeOffset, mem, loadAddress, codeSize);
    byte[] setupHeader = new byte[headerEnd - SETUP_HEADER_OFFSET];
    head.get(SETUP_HEADER_OFFSET, setupHeader);
    int cmdlineSize = head.getInt(0x238);
    int cmdlineMax = cmdlineSize <= 0 ? 256 : (int) Math.min(cmdlineSize + 1L, KernelLoader.CMDLINE_MAX_SIZE);
    long initrdAddrMax = Integer.toUnsignedLong(head.getInt(0x22c));
    return new LoadedKernel(loadAddress + 0x200, OptionalLong.empty(), setupHeader, loadAddress,
        loadAddress + span, cmdlineMax, initrdAddrMax);
  }
}
