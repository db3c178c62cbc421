package dev.sbx.vmm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded random vsock packets from the guest: nothing escapes, connections stay within the limit. */
class VsockDeviceRandomTest {
  @Test
  void randomPacketsNeverEscapeOrExceedTheLimit() throws Exception {
    VsockDevice dev = VsockDevice.create(GuestVsock.CID, null, 4);
    try {
      dev.registerHandler(7, (ch, port) -> {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (ch.read(b) >= 0) {
          b.clear();
        }
      });
      GuestVsock g = new GuestVsock(dev, false);
      Random r = new Random(0x750c);
      for (int i = 0; i < 3000; i++) {
        int op = r.nextInt(9);
        int len = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(256);
        long src = r.nextInt(8) == 0 ? r.nextLong() : GuestVsock.CID;
        long dst = r.nextInt(8) == 0 ? r.nextLong() : VsockDevice.HOST_CID;
        int type = r.nextInt(8) == 0 ? r.nextInt(4) : VsockHeader.TYPE_STREAM;
        VsockHeader h = new VsockHeader(src, dst, 1000 + r.nextInt(6), r.nextBoolean() ? 7 : r.nextInt(10), len, type,
            op, r.nextInt(4), r.nextInt(), r.nextInt());
        byte[] payload = new byte[r.nextInt(300)];
        int total = VsockHeader.SIZE + payload.length;
        int cut = 1 + r.nextInt(total);
        if (cut < total) {
          g.send(h, payload, cut, total - cut);
        } else {
          g.send(h, payload);
        }
        g.receive();
        assertTrue(dev.connectionCount() <= 4, "connections " + dev.connectionCount());
      }
    } finally {
      dev.close();
    }
  }
}
