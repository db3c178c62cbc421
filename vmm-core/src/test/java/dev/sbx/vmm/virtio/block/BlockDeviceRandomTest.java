package dev.sbx.vmm.virtio.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sbx.vmm.virtio.TestRing;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seeded random block requests: every one completes with a status, the image never changes size. */
class BlockDeviceRandomTest {
  @TempDir Path dir;

  @Test
  void randomRequestsAlwaysCompleteAndNeverGrowTheImage() throws Exception {
    Path img = dir.resolve("r.img");
    Files.write(img, new byte[64 * 512]);
    Random r = new Random(0xb10c);
    try (BlockDevice dev = BlockDevice.open(img, false)) {
      TestRing ring = new TestRing(16);
      dev.activate(VirtioFeatures.RING_FEATURES, List.of(ring.queue), new VirtioInterrupt() {
        @Override
        public void signalUsedBuffer(int queue) {}

        @Override
        public void signalConfigChange() {}
      });
      int[] types = {0, 1, 4, 8, 11, 13, 99, -1};
      for (int i = 0; i < 3000; i++) {
        ByteBuffer h = ByteBuffer.allocate(16 + 64).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(types[r.nextInt(types.length)]).putInt(r.nextInt());
        h.putLong(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(80));
        for (int k = 0; k < 4; k++) {
          h.putLong(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(80)).putInt(r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(32))
              .putInt(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(2));
        }
        ring.mem.write(TestRing.DATA, h.array());
        int readLen = r.nextInt(4) == 0 ? r.nextInt(8192) : 16 + 16 * r.nextInt(5);
        int writeLen = r.nextInt(4) == 0 ? r.nextInt(8192) : 1 + 512 * r.nextInt(3);
        ring.desc(0, TestRing.DATA, readLen, TestRing.NEXT, 1);
        ring.desc(1, TestRing.DATA + 0x10000, writeLen, TestRing.WRITE, 0);
        int before = ring.usedIdx();
        ring.offer(0);
        dev.queueNotified(0);
        assertFalse(ring.queue.isBroken(), ring.queue.brokenReason());
        assertEquals((before + 1) & 0xffff, ring.usedIdx(), "every request completes");
      }
    }
    assertEquals(64 * 512, Files.size(img));
  }
}
