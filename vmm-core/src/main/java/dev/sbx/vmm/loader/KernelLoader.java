package dev.sbx.vmm.loader;

import dev.sbx.vmm.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Loads an x86_64 kernel (ELF {@code vmlinux} or bzImage) and an optional initrd into guest RAM. */
public final class KernelLoader {
  /** Start of high memory: kernels load here or above (below it sit the boot structures). */
  public static final long HIMEM_START = 0x100000;
  /** Longest command line a kernel is given, NUL included (Linux's x86 COMMAND_LINE_SIZE). */
  public static final int CMDLINE_MAX_SIZE = 2048;

  private KernelLoader() {}

  public static LoadedKernel load(Path kernel, GuestMemory mem) throws KernelLoadException {
    try (FileChannel ch = open(kernel, "kernel")) {
      ByteBuffer head = ElfKernelLoader.readAt(ch, 0, (int) Math.min(ch.size(), 0x1000), "header");
      if (ElfKernelLoader.isElf(head)) {
        return ElfKernelLoader.load(ch, mem);
      }
      if (BzImageLoader.isBzImage(head)) {
        return BzImageLoader.load(ch, mem, head);
      }
      throw new KernelLoadException(kernel + " is not a bootable kernel: expected an x86_64 ELF vmlinux or a bzImage");
    } catch (IOException e) {
      throw new KernelLoadException("cannot read kernel " + kernel + ": " + e.getMessage(), e);
    }
  }

  /**
   * Places the initrd page-aligned as high as the kernel allows in low RAM, above the kernel.
   *
   * @return the initrd's guest address and size
   */
  public static Initrd loadInitrd(Path initrd, GuestMemory mem, LoadedKernel kernel, long lowRamEnd)
      throws KernelLoadException {
    try (FileChannel ch = open(initrd, "initrd")) {
      long size = ch.size();
      long limit = Math.min(lowRamEnd, kernel.initrdAddrMax() + 1);
      long address = (limit - size) & ~0xfffL;
      if (size == 0 || size > limit || address < kernel.end()) {
        throw new KernelLoadException(String.format(
            "initrd %s (%d bytes) does not fit between the kernel and 0x%x; give the VM more memory",
            initrd, size, limit));
      }
      ElfKernelLoader.copy(ch, 0, mem, address, size);
      return new Initrd(address, size);
    } catch (IOException e) {
      throw new KernelLoadException("cannot read initrd " + initrd + ": " + e.getMessage(), e);
    }
  }

  private static FileChannel open(Path file, String what) throws KernelLoadException, IOException {
    if (!Files.isRegularFile(file)) {
      throw new KernelLoadException(what + " file " + file + " does not exist or is not a regular file");
    }
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new KernelLoadException(what + " file " + file + " does not exist", e);
    }
  }

  /** An initrd placed in guest memory. */
  public record Initrd(long address, long size) {}
}
