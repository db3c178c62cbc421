package dev.sbx.vmm.virtio.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The 44-byte virtio-vsock packet header (virtio 1.2 §5.10.6), copied out of guest memory once. */
record VsockHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op, int flags,
    int bufAlloc, int fwdCnt) {
  static final int SIZE = 44;
  static final int TYPE_STREAM = 1;
  static final int OP_REQUEST = 1;
  static final int OP_RESPONSE = 2;
  static final int OP_RST = 3;
  static final int OP_SHUTDOWN = 4;
  static final int OP_RW = 5;
  static final int OP_CREDIT_UPDATE = 6;
  static final int OP_CREDIT_REQUEST = 7;
  static final int SHUTDOWN_RCV = 1;
  static final int SHUTDOWN_SEND = 2;

  static VsockHeader parse(byte[] b) {
    ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    return new VsockHeader(h.getLong(0), h.getLong(8), h.getInt(16), h.getInt(20), h.getInt(24),
        Short.toUnsignedInt(h.getShort(28)), Short.toUnsignedInt(h.getShort(30)), h.getInt(32), h.getInt(36),
        h.getInt(40));
  }

  byte[] encode() {
    ByteBuffer h = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    h.putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len).putShort((short) type)
        .putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt);
    return h.array();
  }
}
