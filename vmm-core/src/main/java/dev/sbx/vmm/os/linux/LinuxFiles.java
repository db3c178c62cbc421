package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The Linux file-system calls a confined file server needs and the JDK lacks: the {@code *at}
 * family relative to held directory descriptors, {@code O_PATH}, {@code statx}, {@code
 * renameat2}, {@code getdents64}, {@code fallocate}. Bound with JNA direct mapping. Paths are
 * NUL-terminated byte arrays (guest names are bytes, not Java strings); build them with {@link
 * #path(byte[], int, int)}. Every call throws {@link LastErrorException} carrying {@code errno}.
 * Constants are the generic Linux values (x86-64 and aarch64 agree).
 */
public final class LinuxFiles {
  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_SYMLINK_FOLLOW = 0x400;
  public static final int AT_EMPTY_PATH = 0x1000;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_ACCMODE = 3;
  public static final int O_CREAT = 0x40;
  public static final int O_EXCL = 0x80;
  public static final int O_NOCTTY = 0x100;
  public static final int O_TRUNC = 0x200;
  public static final int O_APPEND = 0x400;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_DSYNC = 0x1000;
  public static final int O_DIRECTORY = 0x10000;
  public static final int O_NOFOLLOW = 0x20000;
  public static final int O_CLOEXEC = 0x80000;
  public static final int O_SYNC = 0x101000;
  public static final int O_PATH = 0x200000;

  public static final int S_IFMT = 0xf000;
  public static final int S_IFIFO = 0x1000;
  public static final int S_IFCHR = 0x2000;
  public static final int S_IFDIR = 0x4000;
  public static final int S_IFBLK = 0x6000;
  public static final int S_IFREG = 0x8000;
  public static final int S_IFLNK = 0xa000;
  public static final int S_IFSOCK = 0xc000;

  public static final int RENAME_NOREPLACE = 1;
  public static final int RENAME_EXCHANGE = 2;

  public static final int SEEK_SET = 0;
  public static final int SEEK_DATA = 3;
  public static final int SEEK_HOLE = 4;

  public static final int FALLOC_FL_KEEP_SIZE = 0x01;
  public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  public static final int FALLOC_FL_ZERO_RANGE = 0x10;

  public static final long UTIME_NOW = (1L << 30) - 1;
  public static final long UTIME_OMIT = (1L << 30) - 2;

  /** statx mask for the fields of {@code stat}. */
  public static final int STATX_BASIC_STATS = 0x7ff;
  public static final int STATX_SIZE = 256;
  /** glibc's {@code struct statfs} on 64-bit Linux. */
  public static final int STATFS_SIZE = 120;

  static {
    Native.register(NativeLibrary.getInstance("c"));
  }

  private LinuxFiles() {}

  /** {@code bytes[offset, offset+length)} as a NUL-terminated path for the calls below. */
  public static byte[] path(byte[] bytes, int offset, int length) {
    byte[] p = new byte[length + 1];
    System.arraycopy(bytes, offset, p, 0, length);
    return p;
  }

  /** The magic link {@code /proc/self/fd/N}: re-opens what an {@code O_PATH} descriptor holds. */
  public static byte[] procFd(int fd) {
    return ("/proc/self/fd/" + fd + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  public static final byte[] EMPTY = {0};

  public static native int open(byte[] path, int flags, int mode) throws LastErrorException;

  public static native int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

  public static native int close(int fd) throws LastErrorException;

  public static native int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

  public static native int mknodat(int dirfd, byte[] path, int mode, long dev) throws LastErrorException;

  public static native int symlinkat(byte[] target, int dirfd, byte[] path) throws LastErrorException;

  public static native long readlinkat(int dirfd, byte[] path, byte[] buf, long size) throws LastErrorException;

  public static native int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

  public static native int renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws LastErrorException;

  public static native int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws LastErrorException;

  public static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] statxbuf)
      throws LastErrorException;

  public static native int fstatfs(int fd, byte[] statfsbuf) throws LastErrorException;

  public static native int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

  public static native int fchownat(int dirfd, byte[] path, int owner, int group, int flags)
      throws LastErrorException;

  /** {@code times} is {@code struct timespec[2]}: atime sec, nsec, mtime sec, nsec. */
  public static native int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

  public static native int truncate(byte[] path, long length) throws LastErrorException;

  public static native int ftruncate(int fd, long length) throws LastErrorException;

  public static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

  public static native long lseek(int fd, long offset, int whence) throws LastErrorException;

  public static native long getdents64(int fd, byte[] buf, long count) throws LastErrorException;

  public static native int fsync(int fd) throws LastErrorException;

  public static native int fdatasync(int fd) throws LastErrorException;

  public static native int getuid();

  public static native int getgid();

  /** Closes {@code fd} if it is one; errors are moot because the descriptor is released anyway. */
  public static void closeQuietly(int fd) {
    if (fd >= 0) {
      try {
        close(fd);
      } catch (LastErrorException e) {
        // Linux frees the descriptor even when close reports an error.
      }
    }
  }
}
