package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.testing.ByteChain;

import static dev.sbx.vmm.virtio.vsock.Chains.hdr;
import static dev.sbx.vmm.virtio.vsock.Chains.receive;
import static dev.sbx.vmm.virtio.vsock.Chains.send;
import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The muxer on its own: header checks, the table limit and the control queue bound, hostile guests. */
class VsockMuxerTest {
  private VsockMuxer m;

  private VsockMuxer muxer(int maxConnections) throws Exception {
    m = new VsockMuxer(GuestVsock.CID, null, maxConnections, () -> {});
    m.activate();
    m.registerHandler(7, (ch, port) -> {
      ByteBuffer b = ByteBuffer.allocate(4096);
      while (ch.read(b) >= 0) {
        b.clear();
      }
    });
    return m;
  }

  @AfterEach
  void close() {
    if (m != null) {
      m.reset();
      m.close();
    }
  }

  private static long count(List<ByteChain.Writer> got, int op) {
    return got.stream().filter(w -> Chains.header(w).op() == op).count();
  }

  @Test
  void requestFloodStaysWithinTheTableLimit() throws Exception {
    muxer(2);
    for (int p = 0; p < 1000; p++) {
      send(m, hdr(1000 + p, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
      assertTrue(m.connectionCount() <= 2, "connections " + m.connectionCount());
    }
    assertEquals(2, m.connectionCount());
    List<ByteChain.Writer> got = receive(m, 0);
    assertEquals(998, got.stream().filter(w -> Chains.header(w).op() == OP_RST && Chains.header(w).dstPort() >= 1002).count(),
        "every refused REQUEST gets RST");
  }

  @Test
  void controlQueueIsBoundedWhenTheGuestNeverReads() throws Exception {
    muxer(4);
    for (int i = 0; i < 3 * VsockMuxer.MAX_CONTROL; i++) {
      send(m, hdr(1000 + i, 9999, OP_RW, 0, 1 << 20, 0), new byte[0]);
    }
    assertEquals(VsockMuxer.MAX_CONTROL, m.pendingControl());
    List<ByteChain.Writer> got = receive(m, 0);
    assertEquals(VsockMuxer.MAX_CONTROL, count(got, OP_RST));
    assertEquals(0, m.pendingControl());
  }

  @Test
  void hostileHeadersAreDroppedOrReset() throws Exception {
    muxer(4);
    // Not from the guest's CID, or not to the host: dropped without an answer.
    send(m, new VsockHeader(99, VsockDevice.HOST_CID, 1000, 7, 0, TYPE_STREAM, OP_REQUEST, 0, 4096, 0), new byte[0]);
    send(m, new VsockHeader(GuestVsock.CID, 7, 1000, 7, 0, TYPE_STREAM, OP_REQUEST, 0, 4096, 0), new byte[0]);
    send(m, new VsockHeader(-1, -1, 1000, 7, 0, TYPE_STREAM, OP_REQUEST, 0, 4096, 0), new byte[0]);
    assertEquals(0, m.pendingControl());
    assertEquals(0, m.connectionCount());
    // Lengths beyond the packet limit or the chain, negative lengths, other socket types: RST, no connection.
    send(m, hdr(1000, 7, OP_REQUEST, VsockDevice.MAX_PAYLOAD + 1, 4096, 0), new byte[VsockDevice.MAX_PAYLOAD + 1]);
    send(m, hdr(1001, 7, OP_REQUEST, 10, 4096, 0), new byte[9]);
    send(m, hdr(1002, 7, OP_REQUEST, -1, 4096, 0), new byte[16]);
    send(m, new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, 1003, 7, 0, 2, OP_REQUEST, 0, 4096, 0),
        new byte[0]);
    assertEquals(0, m.connectionCount());
    List<ByteChain.Writer> got = receive(m, 0);
    assertEquals(4, got.size());
    for (int i = 0; i < 4; i++) {
      assertEquals(OP_RST, Chains.header(got.get(i)).op());
      assertEquals(1000 + i, Chains.header(got.get(i)).dstPort());
      assertEquals(7, Chains.header(got.get(i)).srcPort());
      assertEquals(GuestVsock.CID, Chains.header(got.get(i)).dstCid());
    }
    // An RST is never answered, well-formed or not.
    send(m, hdr(1004, 7, OP_RST, 0, 4096, 0), new byte[0]);
    send(m, hdr(1005, 7, OP_RST, 100, 4096, 0), new byte[0]);
    assertEquals(0, m.pendingControl());
  }

  @Test
  void badPacketOnAnOpenConnectionResetsIt() throws Exception {
    muxer(4);
    send(m, hdr(1000, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    assertEquals(1, m.connectionCount());
    send(m, hdr(1000, 7, OP_RW, 100, 1 << 20, 0), new byte[10]);
    assertEquals(0, m.connectionCount());
    List<ByteChain.Writer> got = receive(m, 0);
    assertTrue(got.stream().anyMatch(w -> Chains.header(w).op() == OP_RST && Chains.header(w).dstPort() == 1000), "RST sent");
  }
}
