package dev.sbx.vmm.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
  /** Two regions: [0x0, 0x2000) in two 4 KiB chunks, and [0x10000, 0x11000). */
  private final GuestMemory mem = new GuestMemory(List.of(
      new GuestRegion(0x10000, 12, ByteBuffer.allocateDirect(0x1000)),
      new GuestRegion(0, 12, ByteBuffer.allocateDirect(0x1000), ByteBuffer.allocateDirect(0x1000))));

  @Test
  void primitivesAreLittleEndian() {
    mem.writeLong(0x100, 0x0102030405060708L);
    assertEquals(0x08, mem.readByte(0x100));
    assertEquals(0x0708, mem.readShort(0x100));
    assertEquals(0x05060708, mem.readInt(0x100));
    assertEquals(0x0102030405060708L, mem.readLong(0x100));
  }

  @Test
  void accessesCrossingAChunkBoundaryWork() {
    mem.writeLong(0xffc, 0x1122334455667788L);
    assertEquals(0x1122334455667788L, mem.readLong(0xffc));
    assertEquals(0x55667788, mem.readInt(0xffc));
    assertEquals(0x11223344, mem.readInt(0x1000));
    byte[] data = new byte[100];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    mem.write(0xfd0, data);
    assertArrayEquals(data, mem.read(0xfd0, 100));
  }

  @Test
  void accessesOutsideRamAreRefused() {
    assertThrows(GuestMemoryException.class, () -> mem.readByte(0x2000));
    assertThrows(GuestMemoryException.class, () -> mem.readInt(0x1ffe));
    assertThrows(GuestMemoryException.class, () -> mem.writeLong(0x10ffc, 1));
    assertThrows(GuestMemoryException.class, () -> mem.readByte(-1));
    assertThrows(GuestMemoryException.class, () -> mem.read(0x5000, 1));
    assertThrows(GuestMemoryException.class, () -> mem.slice(0x10000, 0x1001));
  }

  @Test
  void rangesThatWrapOrSpanRegionsAreRefused() {
    assertFalse(mem.isValidRange(0x1000, Long.MAX_VALUE));
    assertFalse(mem.isValidRange(Long.MAX_VALUE, 2));
    assertFalse(mem.isValidRange(0x1f00, 0x10000));
    assertThrows(GuestMemoryException.class, () -> mem.zero(0x1000, -1));
    assertTrue(mem.isValidRange(0x1f00, 0x100));
    assertTrue(mem.isValidRange(0x2000, 0) == false);
  }

  @Test
  void sliceIsBoundedAndSeesGuestWrites() {
    ByteBuffer s = mem.slice(0x10010, 16);
    assertEquals(16, s.capacity());
    mem.writeInt(0x10014, 0xdeadbeef);
    assertEquals(0xdeadbeef, s.getInt(4));
    assertThrows(IndexOutOfBoundsException.class, () -> s.get(16));
    assertThrows(GuestMemoryException.class, () -> mem.slice(0xff0, 32));
    assertEquals(16, mem.contiguousLength(0xff0, 32));
  }

  @Test
  void acquireReleaseNeedAlignment() {
    mem.writeShortRelease(0x200, (short) 0x1234);
    assertEquals(0x1234, mem.readShortAcquire(0x200));
    assertThrows(GuestMemoryException.class, () -> mem.readShortAcquire(0x201));
  }

  @Test
  void overlappingRegionsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new GuestMemory(List.of(
        new GuestRegion(0, ByteBuffer.allocateDirect(0x2000)),
        new GuestRegion(0x1000, ByteBuffer.allocateDirect(0x1000)))));
    assertThrows(IllegalArgumentException.class, () -> new GuestRegion(0, ByteBuffer.allocate(16)));
  }

  @Test
  void sizesAreReported() {
    assertEquals(0x3000, mem.totalSize());
    assertEquals(0x11000, mem.end());
    assertEquals(2, mem.regions().size());
  }
}
