package dev.sbx.vmm.virtio.fs;

import com.sun.jna.LastErrorException;
import dev.sbx.vmm.os.linux.LinuxFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * READDIR and READDIRPLUS: one {@code getdents64} from the guest's offset, re-encoded as {@code
 * fuse_dirent} (or {@code fuse_direntplus}) records padded to 8 bytes. An entry that does not fit
 * is left for the next request (which seeks back to it), and READDIRPLUS takes its lookup
 * reference only once the entry is known to fit.
 */
final class DirectoryListing {
  private final ConfinedFiles files;
  private final IdMapping ids;
  private final int timeout;

  DirectoryListing(ConfinedFiles files, IdMapping ids, int timeout) {
    this.files = files;
    this.ids = ids;
    this.timeout = timeout;
  }

  ByteBuffer list(Handle.Dir h, long offset, int cap, boolean plus, Node root) {
    ByteBuffer out = ByteBuffer.allocate(Math.max(cap, 0)).order(ByteOrder.LITTLE_ENDIAN);
    if (cap <= 0) {
      return out;
    }
    LinuxFiles.lseek(h.fd, offset, LinuxFiles.SEEK_SET);
    // getdents64 refuses buffers smaller than one record; records are never larger than 280 bytes.
    byte[] buf = new byte[Math.max(cap, 1024)];
    int n = (int) LinuxFiles.getdents64(h.fd, buf, buf.length);
    ByteBuffer in = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 0;
    while (pos + 20 <= n) {
      long ino = in.getLong(pos);
      long off = in.getLong(pos + 8);
      int reclen = in.getShort(pos + 16) & 0xffff;
      int type = buf[pos + 18] & 0xff;
      if (reclen < 20 || pos + reclen > n) {
        break;
      }
      int nameLen = 0;
      while (nameLen < reclen - 19 && buf[pos + 19 + nameLen] != 0) {
        nameLen++;
      }
      int size = FuseStructs.direntSize(nameLen) + (plus ? FuseStructs.ENTRY_OUT_SIZE : 0);
      if (out.position() + size > cap) {
        break;
      }
      byte[] name = new byte[nameLen];
      System.arraycopy(buf, pos + 19, name, 0, nameLen);
      Name entry = new Name(name);
      if (entry.isDotDot() && h.node == root) {
        ino = root.ino; // the host directory above the share is none of the guest's business
      }
      if (plus) {
        entryPlus(out, h.node, entry);
      }
      FuseStructs.dirent(out, ino, off, type, buf, pos + 19, nameLen);
      pos += reclen;
    }
    return ByteBuffer.wrap(java.util.Arrays.copyOf(out.array(), out.position()));
  }

  /** fuse_entry_out for one listed name; nodeid 0 (the kernel skips it) for '.', '..' and races. */
  private void entryPlus(ByteBuffer out, Node dir, Name name) {
    if (!name.isDot() && !name.isDotDot()) {
      try {
        Node n = files.lookup(dir, name);
        FuseStructs.entryOut(out, n.id, HostStat.of(n.fd), ids, timeout);
        return;
      } catch (FuseException | LastErrorException e) {
        // Removed meanwhile, or the node table is full: the guest looks it up when it needs it.
      }
    }
    out.put(new byte[FuseStructs.ENTRY_OUT_SIZE]);
  }
}
