package dev.sbx.vmm.virtio.fs;

/**
 * One inode the guest knows: a host {@code O_PATH|O_NOFOLLOW} descriptor (so a later rename or
 * symlink swap of its name cannot redirect it) and the guest's lookup count.
 */
final class Node {
  final long id;
  final int fd;
  final long dev;
  final long ino;
  /** File type bits; an inode's type never changes, so checking it on the held fd is race-free. */
  final int type;
  long nlookup;

  Node(long id, int fd, HostStat st) {
    this.id = id;
    this.fd = fd;
    this.dev = st.dev();
    this.ino = st.ino();
    this.type = st.type();
  }
}
