package dev.sbx.vmm.virtio.fs;

import java.nio.ByteBuffer;

/**
 * Encoders for the reply structs of {@code include/uapi/linux/fuse.h} (layouts unchanged from
 * 7.31 to 7.38, the minors this server negotiates). All little-endian.
 */
final class FuseStructs {
  static final int ATTR_SIZE = 88;
  static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
  static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
  static final int OPEN_OUT_SIZE = 16;
  static final int WRITE_OUT_SIZE = 8;
  static final int STATFS_OUT_SIZE = 80;
  static final int LSEEK_OUT_SIZE = 8;
  static final int INIT_OUT_SIZE = 64;
  /** {@code FUSE_NAME_OFFSET}: fuse_dirent up to its name. */
  static final int DIRENT_NAME_OFFSET = 24;

  private FuseStructs() {}

  /** {@code struct fuse_attr}. */
  static void attr(ByteBuffer b, HostStat st, IdMapping ids) {
    b.putLong(st.ino());
    b.putLong(st.size());
    b.putLong(st.blocks());
    b.putLong(st.atime());
    b.putLong(st.mtime());
    b.putLong(st.ctime());
    b.putInt(st.atimeNs());
    b.putInt(st.mtimeNs());
    b.putInt(st.ctimeNs());
    b.putInt(st.mode());
    b.putInt(st.nlink());
    b.putInt(ids.uidToGuest(st.uid()));
    b.putInt(ids.gidToGuest(st.gid()));
    b.putInt(st.rdev());
    b.putInt(st.blksize());
    b.putInt(0); // flags (FUSE_ATTR_SUBMOUNT and friends): none
  }

  /** {@code struct fuse_attr_out}. */
  static void attrOut(ByteBuffer b, HostStat st, IdMapping ids, int timeout) {
    b.putLong(timeout);
    b.putInt(0);
    b.putInt(0);
    attr(b, st, ids);
  }

  /** {@code struct fuse_entry_out}; generation is 0 because node IDs are never reused. */
  static void entryOut(ByteBuffer b, long nodeId, HostStat st, IdMapping ids, int timeout) {
    b.putLong(nodeId);
    b.putLong(0);
    b.putLong(timeout);
    b.putLong(timeout);
    b.putInt(0);
    b.putInt(0);
    attr(b, st, ids);
  }

  /** {@code struct fuse_open_out} with no FOPEN_* flags. */
  static void openOut(ByteBuffer b, long fh) {
    b.putLong(fh);
    b.putInt(0);
    b.putInt(0);
  }

  /** Total size of one {@code fuse_dirent} with its name padded to 8 bytes. */
  static int direntSize(int nameLength) {
    return (DIRENT_NAME_OFFSET + nameLength + 7) & ~7;
  }

  /** {@code struct fuse_dirent} plus name and zero padding. */
  static void dirent(ByteBuffer b, long ino, long off, int type, byte[] name, int nameOff, int nameLen) {
    int start = b.position();
    b.putLong(ino);
    b.putLong(off);
    b.putInt(nameLen);
    b.putInt(type);
    b.put(name, nameOff, nameLen);
    while (b.position() - start < direntSize(nameLen)) {
      b.put((byte) 0);
    }
  }
}
