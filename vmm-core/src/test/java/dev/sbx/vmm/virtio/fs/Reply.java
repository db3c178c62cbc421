package dev.sbx.vmm.virtio.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A decoded reply: {@code error} is the positive errno (0 on success), {@code body} the payload. */
record Reply(int used, int len, int error, long unique, byte[] body) {

  static Reply parse(byte[] out) {
    if (out.length == 0) {
      return new Reply(0, 0, 0, 0, new byte[0]);
    }
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    int len = b.getInt();
    int err = b.getInt();
    long unique = b.getLong();
    return new Reply(out.length, len, -err, unique, Arrays.copyOfRange(out, 16, out.length));
  }

  ByteBuffer buf() {
    return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** fuse_entry_out.nodeid. */
  long nodeId() {
    return buf().getLong(0);
  }

  /** fuse_attr field at {@code offset} within an entry (attr starts at 40) or attr_out (16). */
  int entryAttrInt(int attrOffset) {
    return buf().getInt(40 + attrOffset);
  }

  long entryAttrLong(int attrOffset) {
    return buf().getLong(40 + attrOffset);
  }

  int attrInt(int attrOffset) {
    return buf().getInt(16 + attrOffset);
  }

  long attrLong(int attrOffset) {
    return buf().getLong(16 + attrOffset);
  }

  /** fuse_open_out.fh, after an entry for CREATE. */
  long fh(int at) {
    return buf().getLong(at);
  }
}
