package dev.sbx.vmm.loader;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestMemoryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.OptionalLong;

/**
 * Loads an x86_64 ELF kernel ({@code vmlinux}): every PT_LOAD segment at its physical address,
 * and the PVH entry from the Xen ELF note (type 18) when present. Every header field is checked
 * against the file size and guest memory before anything is copied.
 */
final class ElfKernelLoader {
  private static final int EM_X86_64 = 62;
  private static final int PT_LOAD = 1;
  private static final int PT_NOTE = 4;
  private static final int PHDR_SIZE = 56;
  private static final int MAX_PHDRS = 128;
  /** Bound on notes walked per PT_NOTE segment. */
  private static final int MAX_NOTES = 256;
  static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
  /** Linux's x86 default initrd limit for kernels that do not say (boot protocol < 2.03). */
  private static final long DEFAULT_INITRD_ADDR_MAX = 0x37ff_ffffL;

  private ElfKernelLoader() {}

  static boolean isElf(ByteBuffer head) {
    return head.limit() >= 4 && head.getInt(0) == 0x464c457f;
  }

  static LoadedKernel load(FileChannel ch, GuestMemory mem) throws IOException, KernelLoadException {
    long fileSize = ch.size();
    ByteBuffer eh = readAt(ch, 0, 64, "ELF header");
    if (eh.get(4) != 2 || eh.get(5) != 1) {
      throw new KernelLoadException("not a 64-bit little-endian ELF; sbx boots x86_64 vmlinux or bzImage files");
    }
    if (Short.toUnsignedInt(eh.getShort(18)) != EM_X86_64) {
      throw new KernelLoadException("ELF kernel is not for x86_64 (e_machine " + eh.getShort(18) + ")");
    }
    long entry = eh.getLong(24);
    long phoff = eh.getLong(32);
    int phentsize = Short.toUnsignedInt(eh.getShort(54));
    int phnum = Short.toUnsignedInt(eh.getShort(56));
    if (phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHDRS
        || phoff < 0 || phoff > fileSize || (long) phnum * PHDR_SIZE > fileSize - phoff) {
      throw new KernelLoadException("ELF program headers are malformed");
    }
    ByteBuffer ph = readAt(ch, phoff, phnum * PHDR_SIZE, "program headers");
    long lowest = Long.MAX_VALUE;
    long highest = 0;
    OptionalLong pvh = OptionalLong.empty();
    for (int i = 0; i < phnum; i++) {
      int base = i * PHDR_SIZE;
      int type = ph.getInt(base);
      long offset = ph.getLong(base + 8);
      long paddr = ph.getLong(base + 24);
      long filesz = ph.getLong(base + 32);
      long memsz = ph.getLong(base + 40);
      if (type != PT_LOAD && type != PT_NOTE) {
        continue;
      }
      if (offset < 0 || filesz < 0 || offset > fileSize || filesz > fileSize - offset) {
        throw new KernelLoadException("ELF segment " + i + " lies outside the file");
      }
      if (type == PT_NOTE) {
        if (pvh.isEmpty()) {
          pvh = findPvhEntry(readAt(ch, offset, (int) Math.min(filesz, 1 << 20), "note segment"));
        }
        continue;
      }
      if (memsz < filesz || paddr < KernelLoader.HIMEM_START || !mem.isValidRange(paddr, memsz)) {
        throw new KernelLoadException(String.format(
            "ELF segment %d (0x%x+0x%x) does not fit in guest RAM; give the VM more memory", i, paddr, memsz));
      }
      copy(ch, offset, mem, paddr, filesz);
      if (memsz > filesz) {
        mem.zero(paddr + filesz, memsz - filesz);
      }
      lowest = Math.min(lowest, paddr);
      highest = Math.max(highest, paddr + memsz);
    }
    if (highest == 0) {
      throw new KernelLoadException("ELF kernel has no loadable segments");
    }
    return new LoadedKernel(entry, pvh, new byte[0], lowest, highest, KernelLoader.CMDLINE_MAX_SIZE,
        DEFAULT_INITRD_ADDR_MAX);
  }

  /** Walks ELF notes looking for Xen's PHYS32_ENTRY; the descriptor may be 4 or 8 bytes. */
  static OptionalLong findPvhEntry(ByteBuffer notes) {
    int pos = 0;
    for (int n = 0; n < MAX_NOTES && notes.limit() - pos >= 12; n++) {
      long namesz = Integer.toUnsignedLong(notes.getInt(pos));
      long descsz = Integer.toUnsignedLong(notes.getInt(pos + 4));
      int type = notes.getInt(pos + 8);
      long nameStart = pos + 12L;
      long descStart = nameStart + align4(namesz);
      long next = descStart + align4(descsz);
      if (next > notes.limit()) {
        break;
      }
      if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && notes.getInt((int) nameStart) == 0x006e6558) {
        if (descsz == 4) {
          return OptionalLong.of(Integer.toUnsignedLong(notes.getInt((int) descStart)));
        }
        if (descsz == 8) {
          return OptionalLong.of(notes.getLong((int) descStart));
        }
      }
      pos = (int) next;
    }
    return OptionalLong.empty();
  }

  private static long align4(long v) {
    return (v + 3) & ~3L;
  }

  static ByteBuffer readAt(FileChannel ch, long position, int length, String what)
      throws IOException, KernelLoadException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new KernelLoadException("kernel file is truncated (" + what + ")");
      }
    }
    return b.flip();
  }

  /** Copies file bytes straight into guest RAM, one contiguous guest slice at a time. */
  static void copy(FileChannel ch, long offset, GuestMemory mem, long address, long length)
      throws IOException, KernelLoadException {
    try {
      long done = 0;
      while (done < length) {
        int n = mem.contiguousLength(address + done, (int) Math.min(length - done, 1 << 30));
        ByteBuffer dst = mem.slice(address + done, n);
        while (dst.hasRemaining()) {
          if (ch.read(dst, offset + done + dst.position()) < 0) {
            throw new KernelLoadException("kernel file is truncated");
          }
        }
        done += n;
      }
    } catch (GuestMemoryException e) {
      throw new KernelLoadException("kernel does not fit in guest RAM: " + e.getMessage(), e);
    }
  }
}
