package dev.sbx.vmm.virtio.fs;

import com.sun.jna.LastErrorException;
import dev.sbx.vmm.os.linux.LinuxFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** What {@code statx} says about a held inode (never following a symlink). */
record HostStat(
    long dev, long ino, int mode, int nlink, int uid, int gid, int rdevMajor, int rdevMinor, long size,
    long blocks, int blksize, long atime, int atimeNs, long mtime, int mtimeNs, long ctime, int ctimeNs) {

  static HostStat of(int fd) throws LastErrorException {
    byte[] buf = new byte[LinuxFiles.STATX_SIZE];
    LinuxFiles.statx(fd, LinuxFiles.EMPTY, LinuxFiles.AT_EMPTY_PATH | LinuxFiles.AT_SYMLINK_NOFOLLOW,
        LinuxFiles.STATX_BASIC_STATS, buf);
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    return new HostStat(
        (long) b.getInt(136) << 32 | Integer.toUnsignedLong(b.getInt(140)),
        b.getLong(32), b.getShort(28) & 0xffff, b.getInt(16), b.getInt(20), b.getInt(24),
        b.getInt(128), b.getInt(132), b.getLong(40), b.getLong(48), b.getInt(4),
        b.getLong(64), b.getInt(72), b.getLong(112), b.getInt(120), b.getLong(96), b.getInt(104));
  }

  int type() {
    return mode & LinuxFiles.S_IFMT;
  }

  /** Linux's new_encode_dev for the 32-bit {@code fuse_attr.rdev}. */
  int rdev() {
    return (rdevMinor & 0xff) | (rdevMajor & 0xfff) << 8 | (rdevMinor & ~0xff) << 12;
  }
}
