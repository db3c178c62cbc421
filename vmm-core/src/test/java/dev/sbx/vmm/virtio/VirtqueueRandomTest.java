package dev.sbx.vmm.virtio;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The suite's short fuzz run: seeded random guests shaped like real rings (plausible addresses,
 * flags and indices, not just noise) through the same pass as {@link VirtqueueFuzzTest}.
 */
class VirtqueueRandomTest {
  @Test
  void randomHostileRingsNeverEscape() {
    Random r = new Random(0x5b5);
    for (int round = 0; round < 20_000; round++) {
      byte[] g = new byte[VirtqueueFuzzTest.RAM];
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(g).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      int n = 1 << r.nextInt(8);
      for (int i = 0; i < 128; i++) {
        long addr = r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(VirtqueueFuzzTest.RAM + 64);
        int len = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(512);
        int flags = r.nextInt(8);
        int next = r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(n);
        b.putLong(16 * i, addr).putInt(16 * i + 8, len).putShort(16 * i + 12, (short) flags)
            .putShort(16 * i + 14, (short) next);
      }
      int avail = r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(n + 1);
      b.putShort(0x802, (short) avail);
      for (int i = 0; i < 128; i++) {
        b.putShort(0x804 + 2 * i, (short) (r.nextInt(8) == 0 ? r.nextInt(0x10000) : r.nextInt(n)));
      }
      // Indirect tables in the data area.
      for (int i = 0x1000; i < 0x2000; i += 4) {
        b.putInt(i, r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(0x2000));
      }
      VirtqueueFuzzTest.exercise(Integer.numberOfTrailingZeros(n), r.nextBoolean(), 0, g);
    }
  }
}
