package dev.sbx.vmm.virtio.fs;

import com.sun.jna.LastErrorException;
import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * Host operations on nodes, confined to the share. Names are resolved one component at a time
 * with {@code openat(parent, name, O_PATH|O_NOFOLLOW)}; nothing here builds a host path string
 * or follows a symlink. The only paths used are {@code /proc/self/fd/N} magic links, which name
 * exactly the inode an already-confined descriptor holds, and they are taken only after checking
 * that inode's type (a held inode cannot change type, so the check cannot race).
 */
final class ConfinedFiles {
  /** Bound on the '..' walk that proves a parent is still inside the share. */
  private static final int MAX_DEPTH = 4096;
  private static final byte[] DOTDOT = {'.', '.', 0};
  private static final int PATH_FLAGS = LinuxFiles.O_PATH | LinuxFiles.O_NOFOLLOW | LinuxFiles.O_CLOEXEC;

  record Created(Node node, int fd) {}

  private final NodeTable nodes;
  private final IdMapping ids;

  ConfinedFiles(NodeTable nodes, IdMapping ids) {
    this.nodes = nodes;
    this.ids = ids;
  }

  void requireNodeRoom() throws FuseException {
    if (!nodes.hasRoom()) {
      throw new FuseException(Errno.ENFILE, "node table full");
    }
  }

  /** LOOKUP semantics: one more guest reference on the node {@code name} names in {@code parent}. */
  Node lookup(Node parent, Name name) throws FuseException {
    if (name.isDot()) {
      return nodes.ref(parent);
    }
    if (name.isDotDot()) {
      return parent == nodes.root() ? nodes.ref(parent) : parentOf(parent);
    }
    int fd = LinuxFiles.openat(parent.fd, name.path(), PATH_FLAGS, 0);
    return adopt(fd);
  }

  private Node adopt(int fd) throws FuseException {
    HostStat st;
    try {
      st = HostStat.of(fd);
    } catch (LastErrorException e) {
      LinuxFiles.closeQuietly(fd);
      throw e;
    }
    return nodes.lookedUp(fd, st);
  }

  /** '..' of a directory other than the root, refused unless it is still inside the share. */
  private Node parentOf(Node dir) throws FuseException {
    int fd = LinuxFiles.openat(dir.fd, DOTDOT, PATH_FLAGS | LinuxFiles.O_DIRECTORY, 0);
    boolean inside;
    try {
      inside = beneathRoot(fd);
    } catch (LastErrorException e) {
      LinuxFiles.closeQuietly(fd);
      throw e;
    }
    if (!inside) {
      LinuxFiles.closeQuietly(fd);
      throw new FuseException(Errno.ENOENT, "'..' leaves the share");
    }
    return adopt(fd);
  }

  /** Walks '..' from {@code fd} until the share root (true) or the host's root (false). */
  private boolean beneathRoot(int fd) {
    Node root = nodes.root();
    int cur = fd;
    try {
      for (int i = 0; i < MAX_DEPTH; i++) {
        HostStat st = HostStat.of(cur);
        if (st.dev() == root.dev && st.ino() == root.ino) {
          return true;
        }
        int up = LinuxFiles.openat(cur, DOTDOT, PATH_FLAGS | LinuxFiles.O_DIRECTORY, 0);
        if (cur != fd) {
          LinuxFiles.closeQuietly(cur);
        }
        cur = up;
        HostStat upSt = HostStat.of(cur);
        if (upSt.dev() == st.dev() && upSt.ino() == st.ino()) {
          return false;
        }
      }
      return false;
    } finally {
      if (cur != fd) {
        LinuxFiles.closeQuietly(cur);
      }
    }
  }

  /**
   * The permission bits the guest may set on a host inode of {@code type}: never set-user-ID, and
   * set-group-ID only on directories (group inheritance), so the guest cannot plant a program that
   * runs as the host user for whoever else on the host executes it.
   */
  static int allowedMode(int type, int mode) {
    int m = mode & 07777 & ~04000;
    return type == LinuxFiles.S_IFDIR ? m : m & ~02000;
  }

  void chmod(Node n, int mode) throws FuseException {
    if (n.type == LinuxFiles.S_IFLNK) {
      throw new FuseException(Errno.EOPNOTSUPP, "symlinks have no mode");
    }
    LinuxFiles.fchmodat(LinuxFiles.AT_FDCWD, LinuxFiles.procFd(n.fd), allowedMode(n.type, mode), 0);
  }

  /** Gives a new entry the guest's exact mode: the host process's umask must not apply twice. */
  void chmodIfNeeded(Node n, int mode) throws FuseException {
    if ((HostStat.of(n.fd).mode() & 07777) != allowedMode(n.type, mode)) {
      chmod(n, mode);
    }
  }

  /** Guest ids (-1 = unchanged); only the mapped ids are allowed, anything else is EPERM. */
  void chown(Node n, int guestUid, int guestGid) throws FuseException {
    int uid = -1;
    int gid = -1;
    if (guestUid != -1) {
      if (guestUid != ids.guestUid()) {
        throw new FuseException(Errno.EPERM, "chown to an unmapped uid");
      }
      uid = ids.hostUid();
    }
    if (guestGid != -1) {
      if (guestGid != ids.guestGid()) {
        throw new FuseException(Errno.EPERM, "chown to an unmapped gid");
      }
      gid = ids.hostGid();
    }
    LinuxFiles.fchownat(n.fd, LinuxFiles.EMPTY, uid, gid, LinuxFiles.AT_EMPTY_PATH | LinuxFiles.AT_SYMLINK_NOFOLLOW);
  }

  /** Truncates through the open handle {@code fd} if given (POSIX ftruncate), else by inode. */
  void truncate(Node n, int fd, long size) throws FuseException {
    if (n.type == LinuxFiles.S_IFDIR) {
      throw new FuseException(Errno.EISDIR, "truncate of a directory");
    }
    if (n.type != LinuxFiles.S_IFREG || size < 0) {
      throw new FuseException(Errno.EINVAL, "truncate of a non-regular file or to a negative size");
    }
    if (fd >= 0) {
      LinuxFiles.ftruncate(fd, size);
    } else {
      LinuxFiles.truncate(LinuxFiles.procFd(n.fd), size);
    }
  }

  byte[] readlink(Node n) throws FuseException {
    if (n.type != LinuxFiles.S_IFLNK) {
      throw new FuseException(Errno.EINVAL, "not a symlink");
    }
    byte[] buf = new byte[FuseArgs.TARGET_MAX + 1];
    int len = (int) LinuxFiles.readlinkat(n.fd, LinuxFiles.EMPTY, buf, buf.length);
    byte[] target = new byte[Math.min(len, FuseArgs.TARGET_MAX)];
    System.arraycopy(buf, 0, target, 0, target.length);
    return target;
  }

  /**
   * A new name in {@code parent} for the inode {@code old} holds. Both are nodes, so both were
   * reached from the root: a link can neither point at nor be placed outside the share.
   */
  void link(Node old, Node parent, Name name) throws FuseException {
    if (old.type == LinuxFiles.S_IFDIR) {
      throw new FuseException(Errno.EPERM, "hard links to directories");
    }
    requireNodeRoom();
    // AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH; the magic link names the same inode.
    LinuxFiles.linkat(LinuxFiles.AT_FDCWD, LinuxFiles.procFd(old.fd), parent.fd, name.path(),
        LinuxFiles.AT_SYMLINK_FOLLOW);
  }

  /** A real descriptor for a regular-file node (OPEN). */
  int reopen(Node n, int flags) throws FuseException {
    requireRegular(n.type);
    return LinuxFiles.open(LinuxFiles.procFd(n.fd),
        flags | LinuxFiles.O_CLOEXEC | LinuxFiles.O_NONBLOCK | LinuxFiles.O_NOCTTY, 0);
  }

  private static void requireRegular(int type) throws FuseException {
    if (type == LinuxFiles.S_IFDIR) {
      throw new FuseException(Errno.EISDIR, "is a directory");
    }
    if (type == LinuxFiles.S_IFLNK) {
      throw new FuseException(Errno.ELOOP, "is a symlink");
    }
    if (type != LinuxFiles.S_IFREG) {
      // FIFOs, sockets and devices are the guest kernel's business; opening them here could block.
      throw new FuseException(Errno.ENXIO, "not a regular file");
    }
  }

  /** A channel on the file {@code fd} is open on, for zero-copy transfers. */
  FileChannel channel(int fd, int accessMode) throws IOException {
    Set<StandardOpenOption> opts = EnumSet.noneOf(StandardOpenOption.class);
    if (accessMode != LinuxFiles.O_WRONLY) {
      opts.add(StandardOpenOption.READ);
    }
    if (accessMode != LinuxFiles.O_RDONLY) {
      opts.add(StandardOpenOption.WRITE);
    }
    return FileChannel.open(Path.of("/proc/self/fd/" + fd), opts);
  }

  /**
   * CREATE: opens {@code name} in {@code parent}, creating it with {@code mode} unless it exists
   * (or failing with EEXIST under O_EXCL). O_NOFOLLOW makes a symlink in the way fail with ELOOP
   * instead of creating its target; O_NONBLOCK keeps a FIFO in the way from blocking the server.
   */
  Created create(Node parent, Name name, int flags, int mode) throws FuseException {
    int base = (flags & ~LinuxFiles.O_EXCL) | LinuxFiles.O_NOFOLLOW | LinuxFiles.O_CLOEXEC
        | LinuxFiles.O_NONBLOCK | LinuxFiles.O_NOCTTY;
    int fd;
    boolean created;
    try {
      fd = LinuxFiles.openat(parent.fd, name.path(), base | LinuxFiles.O_CREAT | LinuxFiles.O_EXCL, mode);
      created = true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Errno.EEXIST || (flags & LinuxFiles.O_EXCL) != 0) {
        throw e;
      }
      fd = LinuxFiles.openat(parent.fd, name.path(), base, 0);
      created = false;
    }
    try {
      requireRegular(HostStat.of(fd).type());
      Node n = adopt(LinuxFiles.open(LinuxFiles.procFd(fd), LinuxFiles.O_PATH | LinuxFiles.O_CLOEXEC, 0));
      if (created) {
        chmodIfNeeded(n, mode);
      }
      return new Created(n, fd);
    } catch (FuseException | LastErrorException e) {
      LinuxFiles.closeQuietly(fd);
      throw e;
    }
  }
}
