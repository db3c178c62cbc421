package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Seeded random FUSE requests through the device, on both queues, with honest or lying lengths,
 * readable bytes split over up to three descriptors and writable buffers of any size: every chain
 * comes back, the reply is well formed or absent, the queues never break, the tables stay bounded.
 */
class VirtioFsDeviceRandomTest {
  private static final int MAX_NODES = 64;
  private static final int MAX_HANDLES = 16;

  @TempDir Path dir;

  @Test
  void randomRequestsAlwaysCompleteWithWellFormedReplies() throws Exception {
    Path share = Files.createDirectory(dir.resolve("share"));
    Files.writeString(share.resolve("a"), "alpha");
    Files.createDirectory(share.resolve("d"));
    Files.createSymbolicLink(share.resolve("up"), Path.of("../.."));
    FuseConfig config = new FuseConfig(false, IdMapping.currentUserAsAgent(), MAX_NODES, MAX_HANDLES, 1 << 20, true, 1);
    Random r = new Random(0xf5);
    try (VirtioFsDevice dev = new VirtioFsDevice("rand", FuseServer.open(share, config))) {
      TestRing hiprio = new TestRing(16);
      TestRing requests = new TestRing(16);
      dev.activate(VirtioFeatures.RING_FEATURES, List.of(hiprio.queue, requests.queue), new VirtioInterrupt() {
        @Override
        public void signalUsedBuffer(int queue) {}

        @Override
        public void signalConfigChange() {}
      });
      String[] names = {"a", "d", "up", "..", ".", "new", "x/y", ""};
      int succeeded = 0;
      for (int i = 0; i < 5000; i++) {
        // A fresh INIT now and then: a random DESTROY or bad INIT otherwise ends the session early.
        boolean init = i % 100 == 0;
        int opcode = init ? FuseOpcode.INIT : pick(r);
        byte[] args = args(r, opcode, names);
        int len = 40 + args.length;
        if (!init && r.nextInt(6) == 0) {
          len = r.nextInt(6) == 0 ? r.nextInt() : len + r.nextInt(64) - 32;
        }
        long node = r.nextInt(4) == 0 ? r.nextLong() : 1 + r.nextInt(8);
        ByteBuffer req = ByteBuffer.allocate(40 + args.length).order(ByteOrder.LITTLE_ENDIAN);
        req.putInt(len).putInt(opcode).putLong(i + 1L).putLong(node).putInt(r.nextInt(3) == 0 ? 0 : 1000)
            .putInt(1000).putInt(42).putShort((short) (!init && r.nextInt(20) == 0 ? 8 : 0)).putShort((short) 0).put(args);
        boolean onHiprio = !init && r.nextInt(5) == 0;
        TestRing ring = onHiprio ? hiprio : requests;
        byte[] bytes = req.array();
        int cut = init || bytes.length > 40 && r.nextInt(6) != 0 ? bytes.length : r.nextInt(bytes.length + 1);
        ring.mem.write(TestRing.DATA, bytes, 0, cut);
        int writeLen = init ? 4096 : switch (r.nextInt(5)) {
          case 0 -> 0;
          case 1 -> r.nextInt(24);
          case 2 -> r.nextInt(8192);
          default -> 4096 + 16;
        };
        // Readable bytes over one to three descriptors, then the writable buffer if any.
        int parts = cut == 0 ? 1 : 1 + r.nextInt(3);
        int d = 0;
        int off = 0;
        for (int p = 0; p < parts; p++) {
          int n = p == parts - 1 ? cut - off : r.nextInt(cut - off + 1);
          boolean last = p == parts - 1 && writeLen == 0;
          ring.desc(d, TestRing.DATA + off, n, last ? 0 : TestRing.NEXT, d + 1);
          off += n;
          d++;
        }
        long out = TestRing.DATA + 0x40000;
        ring.mem.write(out, new byte[writeLen]);
        if (writeLen > 0) {
          ring.desc(d, out, writeLen, TestRing.WRITE, 0);
        }
        int before = ring.usedIdx();
        ring.offer(0);
        dev.queueNotified(onHiprio ? 0 : 1);
        assertFalse(ring.queue.isBroken(), ring.queue.brokenReason());
        assertEquals((before + 1) & 0xffff, ring.usedIdx(), "request " + i + " came back");
        int used = ring.usedLen(before);
        assertTrue(used <= writeLen, "used length within the writable buffer");
        if (used > 0) {
          ByteBuffer h = ByteBuffer.wrap(ring.mem.read(out, 16)).order(ByteOrder.LITTLE_ENDIAN);
          assertEquals(used, h.getInt(0), "fuse_out_header.len is the used length");
          int error = h.getInt(4);
          assertTrue(error <= 0 && error > -4096, "error " + error);
          assertTrue(used == 16 || error == 0, "an error reply is a bare header");
          succeeded += error == 0 ? 1 : 0;
        }
        assertTrue(dev.server().nodeCount() <= MAX_NODES);
        assertTrue(dev.server().handleCount() <= MAX_HANDLES);
      }
      // The mix reaches the server's real work, not only its length checks.
      assertTrue(succeeded > 150, succeeded + " of 5000 requests succeeded");
    }
    try (var s = Files.list(dir)) {
      assertEquals(List.of(share), s.toList(), "nothing appeared outside the share");
    }
  }

  private static final int[] SHAPED = {FuseOpcode.GETATTR, FuseOpcode.LOOKUP, FuseOpcode.UNLINK, FuseOpcode.RMDIR,
      FuseOpcode.MKDIR, FuseOpcode.CREATE, FuseOpcode.OPEN, FuseOpcode.OPENDIR, FuseOpcode.READ, FuseOpcode.READDIR,
      FuseOpcode.READDIRPLUS, FuseOpcode.WRITE, FuseOpcode.RELEASE, FuseOpcode.RELEASEDIR, FuseOpcode.FORGET,
      FuseOpcode.BATCH_FORGET, FuseOpcode.RENAME2};

  /**
   * Half the time an opcode {@link #args} knows how to shape, else any real opcode (FALLOCATE
   * excluded: it really reserves disk) or junk.
   */
  private static int pick(Random r) {
    if (r.nextBoolean()) {
      return SHAPED[r.nextInt(SHAPED.length)];
    }
    int op = r.nextInt(10) == 0 ? r.nextInt() : 1 + r.nextInt(52);
    return op == FuseOpcode.FALLOCATE ? FuseOpcode.LSEEK : op;
  }

  /** Arguments shaped like the opcode's some of the time, random bytes otherwise. */
  private static byte[] args(Random r, int opcode, String[] names) {
    Args a = Args.of();
    if (opcode == FuseOpcode.INIT) {
      return a.u32(7).u32(38).u32(128 * 1024).u32(r.nextInt()).u32(0).zeros(44).build();
    }
    switch (r.nextInt(10)) {
      case 0 -> a.bytes(random(r, r.nextInt(96)));
      case 1 -> a.zeros(r.nextInt(5) * 8);
      default -> {
        switch (opcode) {
          case FuseOpcode.INIT -> a.u32(7).u32(38).u32(128 * 1024).u32(r.nextInt()).u32(0).zeros(44);
          case FuseOpcode.GETATTR -> a.u32(0).u32(0).u64(0);
          case FuseOpcode.LOOKUP, FuseOpcode.UNLINK, FuseOpcode.RMDIR -> a.name(names[r.nextInt(names.length)]);
          case FuseOpcode.MKDIR -> a.u32(0755).u32(022).name(names[r.nextInt(names.length)]);
          case FuseOpcode.CREATE -> a.u32(r.nextInt(4)).u32(0100644).u32(022).u32(0).name(names[r.nextInt(names.length)]);
          case FuseOpcode.OPEN, FuseOpcode.OPENDIR -> a.u32(r.nextInt(3)).u32(0);
          case FuseOpcode.READ, FuseOpcode.READDIR, FuseOpcode.READDIRPLUS ->
              a.u64(r.nextInt(20)).u64(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100)).u32(r.nextInt(1 << 21))
                  .u32(0).u64(0).u32(0).u32(0);
          case FuseOpcode.WRITE -> {
            byte[] data = random(r, r.nextInt(300));
            a.u64(r.nextInt(20)).u64(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100)).u32(data.length).u32(0)
                .u64(0).u32(0).u32(0).bytes(data);
          }
          case FuseOpcode.RELEASE, FuseOpcode.RELEASEDIR -> a.u64(r.nextInt(20)).u32(0).u32(0).u64(0);
          case FuseOpcode.FORGET -> a.u64(r.nextInt(3));
          case FuseOpcode.BATCH_FORGET -> a.u32(2).u32(0).u64(1 + r.nextInt(8)).u64(1).u64(r.nextLong()).u64(1);
          case FuseOpcode.RENAME2 -> a.u64(1 + r.nextInt(8)).u32(r.nextInt(8)).u32(0)
              .name(names[r.nextInt(names.length)]).name(names[r.nextInt(names.length)]);
          default -> a.zeros(r.nextInt(5) * 8);
        }
      }
    }
    return a.build();
  }

  private static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
