package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.testing.ByteChain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Packets to and from the muxer over plain-array chains, to drive it and its connections without virtqueues. */
final class Chains {
  private Chains() {}

  /** A packet from the guest (CID 3) to the host: header then payload, as the muxer gets them. */
  static void send(VsockMuxer m, VsockHeader h, byte[] payload) {
    synchronized (m) {
      m.fromGuest(h, new ByteChain.Reader(payload));
    }
  }

  /** The header of a packet the muxer wrote for the guest. */
  static VsockHeader header(ByteChain.Writer w) {
    return VsockHeader.parse(Arrays.copyOf(w.bytes(), VsockHeader.SIZE));
  }

  static VsockHeader hdr(int srcPort, int dstPort, int op, int len, int bufAlloc, int fwdCnt) {
    return new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, srcPort, dstPort, len, VsockHeader.TYPE_STREAM,
        op, 0, bufAlloc, fwdCnt);
  }

  /** Everything the muxer has for the guest now, in RX buffers of {@code room} bytes after the header. */
  static List<ByteChain.Writer> receive(VsockMuxer m, int room) {
    List<ByteChain.Writer> out = new ArrayList<>();
    synchronized (m) {
      for (int i = 0; i < 100_000 && m.hasRxPending(); i++) {
        ByteChain.Writer w = new ByteChain.Writer(VsockHeader.SIZE + room);
        m.writeRx(w);
        out.add(w);
      }
    }
    return out;
  }
}
