package dev.sbx.vmm.virtio.fs;

/**
 * Bounds-checked cursor over the argument bytes of one request (everything after {@code
 * fuse_in_header}). Every read that would pass the end fails with EINVAL, and {@link #end()}
 * refuses trailing bytes, so a request must be exactly as long as its opcode's layout.
 */
final class FuseArgs {
  /** Linux NAME_MAX: longest single path component. */
  static final int NAME_MAX = 255;
  /** Linux PATH_MAX less the NUL: longest symlink target. */
  static final int TARGET_MAX = 4095;

  private final byte[] bytes;
  private int pos;

  FuseArgs(byte[] bytes) {
    this.bytes = bytes;
  }

  int remaining() {
    return bytes.length - pos;
  }

  private void need(int n) throws FuseException {
    if (n < 0 || remaining() < n) {
      throw new FuseException(Errno.EINVAL, "request shorter than its arguments");
    }
  }

  int u16() throws FuseException {
    need(2);
    int v = (bytes[pos] & 0xff) | (bytes[pos + 1] & 0xff) << 8;
    pos += 2;
    return v;
  }

  int u32() throws FuseException {
    need(4);
    int v = (bytes[pos] & 0xff) | (bytes[pos + 1] & 0xff) << 8 | (bytes[pos + 2] & 0xff) << 16
        | (bytes[pos + 3] & 0xff) << 24;
    pos += 4;
    return v;
  }

  long u64() throws FuseException {
    long lo = Integer.toUnsignedLong(u32());
    long hi = Integer.toUnsignedLong(u32());
    return lo | hi << 32;
  }

  void skip(int n) throws FuseException {
    need(n);
    pos += n;
  }

  /** A NUL-terminated byte string of at most {@code max} bytes (the NUL excluded). */
  private byte[] cString(int max) throws FuseException {
    int end = -1;
    for (int i = pos; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      throw new FuseException(Errno.EINVAL, "string not NUL-terminated within the request");
    }
    int len = end - pos;
    if (len > max) {
      throw new FuseException(Errno.ENAMETOOLONG, "string longer than " + max + " bytes");
    }
    byte[] s = new byte[len];
    System.arraycopy(bytes, pos, s, 0, len);
    pos = end + 1;
    return s;
  }

  /** One path component: non-empty, no '/', at most NAME_MAX bytes. */
  Name name() throws FuseException {
    byte[] s = cString(NAME_MAX);
    if (s.length == 0) {
      throw new FuseException(Errno.EINVAL, "empty name");
    }
    for (byte b : s) {
      if (b == '/') {
        throw new FuseException(Errno.EINVAL, "name contains '/'");
      }
    }
    return new Name(s);
  }

  /** A symlink target: non-empty, at most PATH_MAX-1 bytes, stored verbatim. */
  byte[] target() throws FuseException {
    byte[] s = cString(TARGET_MAX);
    if (s.length == 0) {
      throw new FuseException(Errno.ENOENT, "empty symlink target");
    }
    return s;
  }

  void end() throws FuseException {
    if (remaining() != 0) {
      throw new FuseException(Errno.EINVAL, "request longer than its arguments");
    }
  }
}
