package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PkgLengthTest {

  /** Decodes per ACPI 6.5 §20.2.4, independently of the encoder. */
  private static int decode(byte[] p) {
    int follow = (p[0] & 0xFF) >>> 6;
    if (follow == 0) {
      return p[0] & 0x3F;
    }
    int v = p[0] & 0x0F;
    for (int i = 1; i <= follow; i++) {
      v |= (p[i] & 0xFF) << (4 + 8 * (i - 1));
    }
    assertEquals(follow + 1, p.length);
    assertEquals(0, p[0] & 0x30, "bits 5-4 of a multi-byte lead byte are reserved");
    return v;
  }

  @Test
  void oneByteUpToATotalOf63() {
    assertArrayEquals(new byte[] {0x01}, PkgLength.encode(0));
    assertArrayEquals(new byte[] {0x3F}, PkgLength.encode(62));
  }

  @Test
  void twoBytesFromATotalOf65UpTo4095() {
    // Body 63: one byte would need 64, too big; two bytes give a total of 65 = 0x41.
    assertArrayEquals(new byte[] {0x41, 0x04}, PkgLength.encode(63));
    // Body 4093 + 2 = 4095 = 0xFFF, the largest two-byte total.
    assertArrayEquals(new byte[] {0x4F, (byte) 0xFF}, PkgLength.encode(4093));
  }

  @Test
  void threeBytesFrom4094() {
    // Body 4094 + 2 = 4096 does not fit 12 bits; 4094 + 3 = 4097 = 0x1001.
    assertArrayEquals(new byte[] {(byte) 0x81, 0x00, 0x01}, PkgLength.encode(4094));
    assertArrayEquals(new byte[] {(byte) 0x8F, (byte) 0xFF, (byte) 0xFF},
        PkgLength.encode((1 << 20) - 1 - 3));
  }

  @Test
  void fourBytesFrom2To20() {
    int body = (1 << 20) - 3; // + 3 = 2^20, too big for 20 bits
    byte[] p = PkgLength.encode(body);
    assertEquals(4, p.length);
    assertEquals(0xC0, p[0] & 0xC0);
    assertEquals(body + 4, decode(p));
    assertArrayEquals(new byte[] {(byte) 0xCF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
        PkgLength.encode(PkgLength.MAX_BODY));
  }

  @Test
  void roundTripsAcrossEveryBoundary() {
    for (int body : new int[] {0, 1, 61, 62, 63, 64, 100, 4092, 4093, 4094, 4095, 65_000,
        (1 << 20) - 4, (1 << 20) - 3, (1 << 20), PkgLength.MAX_BODY}) {
      byte[] p = PkgLength.encode(body);
      assertEquals(body + p.length, decode(p), "body " + body);
    }
  }

  @Test
  void rejectsNegativeAndTooLarge() {
    assertThrows(IllegalArgumentException.class, () -> PkgLength.encode(-1));
    assertThrows(IllegalArgumentException.class, () -> PkgLength.encode(PkgLength.MAX_BODY + 1));
  }
}
