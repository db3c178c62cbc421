package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.os.linux.LinuxFiles;

/** One validated path component from the guest: non-empty, no '/' or NUL, at most 255 bytes. */
record Name(byte[] bytes) {

  boolean isDot() {
    return bytes.length == 1 && bytes[0] == '.';
  }

  boolean isDotDot() {
    return bytes.length == 2 && bytes[0] == '.' && bytes[1] == '.';
  }

  /** For operations that create, remove or rename: "." and ".." never name an entry. */
  Name entry() throws FuseException {
    if (isDot() || isDotDot()) {
      throw new FuseException(Errno.EINVAL, "'.' or '..' as an entry name");
    }
    return this;
  }

  /** NUL-terminated, for the *at calls. */
  byte[] path() {
    return LinuxFiles.path(bytes, 0, bytes.length);
  }
}
