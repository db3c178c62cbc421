package dev.sbx.vmm.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArchValuesTest {

  @Test
  void guestBlobCopiesItsBytes() {
    byte[] raw = {1, 2, 3};
    GuestBlob b = new GuestBlob(0x1000, raw);
    raw[0] = 9;
    assertEquals(1, b.bytes()[0]);
    assertEquals(new GuestBlob(0x1000, new byte[] {1, 2, 3}), b);
    assertEquals(new GuestBlob(0x1000, new byte[] {1, 2, 3}).hashCode(), b.hashCode());
    assertNotEquals(new GuestBlob(0x1001, new byte[] {1, 2, 3}), b);
    assertEquals(0x1003, b.end());
  }

  @Test
  void guestBlobRejectsBadAddresses() {
    assertThrows(IllegalArgumentException.class, () -> new GuestBlob(-1, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> new GuestBlob(Long.MAX_VALUE, new byte[1]));
  }

  @Test
  void mmioSlotValidates() {
    assertEquals(0xC0001000L, new MmioSlot(0xC0000000L, 0x1000, 5).end());
    assertThrows(IllegalArgumentException.class, () -> new MmioSlot(-1, 0x1000, 5));
    assertThrows(IllegalArgumentException.class, () -> new MmioSlot(0, 0, 5));
    assertThrows(IllegalArgumentException.class, () -> new MmioSlot(Long.MAX_VALUE, 2, 5));
    assertThrows(IllegalArgumentException.class, () -> new MmioSlot(0, 0x1000, -1));
  }

  @Test
  void checksumFillZeroesTheSum() {
    byte[] b = {(byte) 0x80, (byte) 0x90, 0, 0x11};
    ByteChecksum.fill(b, 0, 4, 2);
    assertEquals(0, ByteChecksum.sum(b, 0, 4));
    assertEquals((byte) (0x100 - ((0x80 + 0x90 + 0x11) & 0xFF)), b[2]);
    assertThrows(IllegalArgumentException.class, () -> ByteChecksum.fill(b, 0, 2, 2));
  }
}
