package dev.sbx.vmm.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelLoaderTest {
  @TempDir Path dir;
  private final GuestMemory mem = new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect(32 << 20))));

  /** A minimal ELF64: one PT_LOAD at paddr with the given bytes, and optionally a PVH note. */
  static byte[] elf(long paddr, byte[] code, long memsz, byte[] note, int machine) {
    int phnum = note == null ? 1 : 2;
    int codeOff = 64 + 56 * phnum;
    int noteOff = codeOff + code.length;
    ByteBuffer b = ByteBuffer.allocate(noteOff + (note == null ? 0 : note.length)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
    b.putShort(16, (short) 2).putShort(18, (short) machine).putInt(20, 1);
    b.putLong(24, paddr).putLong(32, 64).putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) phnum);
    b.putInt(64, 1).putLong(64 + 8, codeOff).putLong(64 + 16, paddr).putLong(64 + 24, paddr)
        .putLong(64 + 32, code.length).putLong(64 + 40, memsz);
    b.put(codeOff, code);
    if (note != null) {
      int p = 64 + 56;
      b.putInt(p, 4).putLong(p + 8, noteOff).putLong(p + 32, note.length).putLong(p + 40, note.length);
      b.put(noteOff, note);
    }
    return b.array();
  }

  static byte[] xenNote(long entry, int descsz) {
    ByteBuffer n = ByteBuffer.allocate(12 + 4 + descsz).order(ByteOrder.LITTLE_ENDIAN);
    n.putInt(4).putInt(descsz).putInt(18).put(new byte[] {'X', 'e', 'n', 0});
    if (descsz == 8) {
      n.putLong(entry);
    } else {
      n.putInt((int) entry);
    }
    return n.array();
  }

  private Path write(String name, byte[] data) throws IOException {
    return Files.write(dir.resolve(name), data);
  }

  @Test
  void loadsElfSegmentsAndZeroesBss() throws Exception {
    mem.writeLong(0x200000 + 4, -1L);
    LoadedKernel k = KernelLoader.load(write("k", elf(0x200000, new byte[] {1, 2, 3, 4}, 0x1000, null, 62)), mem);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0, 0, 0}, mem.read(0x200000, 8));
    assertEquals(0x200000, k.entry64());
    assertEquals(0x200000, k.start());
    assertEquals(0x201000, k.end());
    assertFalse(k.pvhEntry().isPresent());
    assertFalse(k.isBzImage());
  }

  @Test
  void findsThePvhEntryInFourAndEightByteNotes() throws Exception {
    assertEquals(0x200040, KernelLoader.load(write("a", elf(0x200000, new byte[16], 16, xenNote(0x200040, 4), 62)), mem)
        .pvhEntry().getAsLong());
    assertEquals(0x200080, KernelLoader.load(write("b", elf(0x200000, new byte[16], 16, xenNote(0x200080, 8), 62)), mem)
        .pvhEntry().getAsLong());
  }

  @Test
  void hostileNotesAreBounded() {
    ByteBuffer n = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    n.putInt(0, 0x7fffffff).putInt(4, 0x7fffffff).putInt(8, 18);
    assertTrue(ElfKernelLoader.findPvhEntry(n).isEmpty());
    ByteBuffer wrongName = ByteBuffer.wrap(xenNote(0x1234, 4)).order(ByteOrder.LITTLE_ENDIAN);
    wrongName.put(12, (byte) 'Y');
    assertTrue(ElfKernelLoader.findPvhEntry(wrongName).isEmpty());
  }

  @Test
  void refusesWhatCannotBoot() throws Exception {
    assertMessage("is not a bootable kernel", write("text", "hello".getBytes()));
    assertMessage("not for x86_64", write("arm", elf(0x200000, new byte[4], 4, null, 183)));
    assertMessage("does not fit in guest RAM", write("big", elf(0x200000, new byte[4], 64L << 20, null, 62)));
    assertMessage("does not fit in guest RAM", write("low", elf(0x1000, new byte[4], 4, null, 62)));
    byte[] truncated = elf(0x200000, new byte[64], 64, null, 62);
    assertMessage("lies outside the file", write("trunc", java.util.Arrays.copyOf(truncated, truncated.length - 10)));
    byte[] badPh = elf(0x200000, new byte[4], 4, null, 62);
    ByteBuffer.wrap(badPh).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 5000);
    assertMessage("program headers are malformed", write("ph", badPh));
    assertMessage("does not exist", dir.resolve("missing"));
  }

  /** A synthetic bzImage: one setup sector plus boot sector, then the protected-mode code. */
  static byte[] bzImage(int version, int xloadflags, byte[] code) {
    ByteBuffer b = ByteBuffer.allocate(1024 + code.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0x1f1, (byte) 1).putShort(0x1fe, (short) 0xAA55).put(0x201, (byte) 0x64).putInt(0x202, 0x53726448)
        .putShort(0x206, (short) version).put(0x211, (byte) 1).putInt(0x22c, 0x7fffffff).putInt(0x230, 0x200000)
        .put(0x234, (byte) 1).putShort(0x236, (short) xloadflags).putInt(0x238, 2047).putLong(0x258, 0x1000000)
        .putInt(0x260, 0x100000);
    b.put(1024, code);
    return b.array();
  }

  @Test
  void loadsBzImageAtItsPreferredAddress() throws Exception {
    LoadedKernel k = KernelLoader.load(write("bz", bzImage(0x020f, 3, new byte[] {9, 8, 7})), mem);
    assertTrue(k.isBzImage());
    assertEquals(0x1000200, k.entry64());
    assertArrayEquals(new byte[] {9, 8, 7}, mem.read(0x1000000, 3));
    assertEquals(0x266 - 0x1f1, k.setupHeader().length);
    assertEquals(2048, k.cmdlineMax());
    assertEquals(0x1100000, k.end());
  }

  @Test
  void refusesOldOrThirtyTwoBitOnlyBzImages() throws Exception {
    assertMessage("has no 64-bit entry", write("old", bzImage(0x020b, 3, new byte[4])));
    assertMessage("has no 64-bit entry", write("no64", bzImage(0x020f, 0, new byte[4])));
  }

  @Test
  void initrdGoesHighAndPageAligned() throws Exception {
    LoadedKernel k = KernelLoader.load(write("k", elf(0x200000, new byte[4], 4, null, 62)), mem);
    KernelLoader.Initrd rd = KernelLoader.loadInitrd(write("rd", new byte[5000]), mem, k, 32 << 20);
    assertEquals(5000, rd.size());
    assertEquals(0, rd.address() & 0xfff);
    assertTrue(rd.address() + rd.size() <= 32 << 20);
    assertTrue(rd.address() >= (32 << 20) - 0x3000);
    assertThrows(KernelLoadException.class,
        () -> KernelLoader.loadInitrd(write("huge", new byte[31 << 20]), mem, k, 32 << 20));
  }

  private void assertMessage(String expected, Path kernel) {
    KernelLoadException e = assertThrows(KernelLoadException.class, () -> KernelLoader.load(kernel, mem));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
