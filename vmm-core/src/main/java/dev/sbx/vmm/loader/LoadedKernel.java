package dev.sbx.vmm.loader;

import java.util.OptionalLong;

/**
 * A kernel placed in guest memory.
 *
 * @param entry64 64-bit boot protocol entry point (ELF {@code e_entry}, or bzImage load + 0x200)
 * @param pvhEntry 32-bit PVH entry from the ELF note, if the kernel has one
 * @param setupHeader for a bzImage, the setup header bytes from file offset 0x1f1 to copy into
 *     the zero page; empty for ELF kernels
 * @param start lowest guest address the kernel occupies
 * @param end one past the highest guest address the kernel may use (including bss and, for a
 *     bzImage, its {@code init_size} working area)
 * @param cmdlineMax longest command line the kernel accepts, NUL included
 * @param initrdAddrMax highest address an initrd's last byte may have
 */
public record LoadedKernel(long entry64, OptionalLong pvhEntry, byte[] setupHeader, long start, long end,
    int cmdlineMax, long initrdAddrMax) {

  public boolean isBzImage() {
    return setupHeader.length > 0;
  }
}
