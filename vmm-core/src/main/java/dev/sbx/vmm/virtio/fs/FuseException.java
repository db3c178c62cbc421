package dev.sbx.vmm.virtio.fs;

/** A request fails with {@code errno}; the server turns it into a {@code fuse_out_header} error. */
final class FuseException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int errno;

  FuseException(int errno, String why) {
    super(why, null, false, false);
    this.errno = errno;
  }

  int errno() {
    return errno;
  }
}
