package dev.sbx.vmm.virtio.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reply buffers: fixed structs are allocated and sent whole, unused fields zero. */
final class FuseReplies {
  private FuseReplies() {}

  static ByteBuffer buffer(int size, int room) throws FuseException {
    if (size > room) {
      throw new FuseException(Errno.EINVAL, "reply buffer too small");
    }
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static ByteBuffer empty() {
    return ByteBuffer.allocate(0);
  }

  static byte[] header(int len, int error, long unique) {
    ByteBuffer b = ByteBuffer.allocate(FuseServer.OUT_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(len).putInt(error).putLong(unique);
    return b.array();
  }

  /** Fails before any side effect when the entry reply cannot fit. */
  static void needRoom(int size, int room) throws FuseException {
    if (size > room) {
      throw new FuseException(Errno.EINVAL, "reply buffer too small");
    }
  }
}
