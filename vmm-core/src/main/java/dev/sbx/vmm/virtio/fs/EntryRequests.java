package dev.sbx.vmm.virtio.fs;

import static dev.sbx.vmm.virtio.fs.FuseReplies.buffer;
import static dev.sbx.vmm.virtio.fs.FuseReplies.empty;
import static dev.sbx.vmm.virtio.fs.FuseReplies.needRoom;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Requests about names and inodes: lookups, attributes, and everything that creates, links,
 * renames or removes an entry. Each parses its arguments completely (refusing short or long ones)
 * before touching the host, and checks that its reply fits before taking a lookup reference.
 */
final class EntryRequests {
  // SETATTR valid bits
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_FH = 1 << 6;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;

  private final FuseConfig config;
  private final IdMapping ids;
  private final NodeTable nodes;
  private final HandleTable handles;
  private final ConfinedFiles files;

  EntryRequests(FuseConfig config, NodeTable nodes, HandleTable handles, ConfinedFiles files) {
    this.config = config;
    this.ids = config.ids();
    this.nodes = nodes;
    this.handles = handles;
    this.files = files;
  }

  ByteBuffer lookup(long nodeId, FuseArgs a, int room) throws FuseException {
    Name name = a.name();
    a.end();
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    return entry(files.lookup(nodes.dir(nodeId), name), room);
  }

  ByteBuffer getattr(long nodeId, FuseArgs a, int room) throws FuseException {
    a.u32();
    a.u32();
    a.u64();
    a.end();
    Node n = nodes.get(nodeId);
    ByteBuffer b = buffer(FuseStructs.ATTR_OUT_SIZE, room);
    FuseStructs.attrOut(b, HostStat.of(n.fd), ids, config.timeoutSeconds());
    return b;
  }

  ByteBuffer setattr(long nodeId, FuseArgs a, int room) throws FuseException {
    int valid = a.u32();
    a.u32();
    long fh = a.u64();
    long size = a.u64();
    a.u64(); // lock_owner
    long atime = a.u64();
    long mtime = a.u64();
    a.u64(); // ctime
    int atimeNs = a.u32();
    int mtimeNs = a.u32();
    a.u32(); // ctimensec
    int mode = a.u32();
    a.u32();
    int uid = a.u32();
    int gid = a.u32();
    a.u32();
    a.end();
    Node n = nodes.get(nodeId);
    needRoom(FuseStructs.ATTR_OUT_SIZE, room);
    if ((valid & FATTR_MODE) != 0) {
      files.chmod(n, mode);
    }
    if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
      files.chown(n, (valid & FATTR_UID) != 0 ? uid : -1, (valid & FATTR_GID) != 0 ? gid : -1);
    }
    if ((valid & FATTR_SIZE) != 0) {
      Handle.File h = (valid & FATTR_FH) != 0 ? handles.get(fh, Handle.File.class) : null;
      if (h != null && h.node != n) {
        throw new FuseException(Errno.EBADF, "handle belongs to another node");
      }
      files.truncate(n, h == null ? -1 : h.fd, size);
    }
    if ((valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) != 0) {
      long[] times = {0, LinuxFiles.UTIME_OMIT, 0, LinuxFiles.UTIME_OMIT};
      if ((valid & FATTR_ATIME_NOW) != 0) {
        times[1] = LinuxFiles.UTIME_NOW;
      } else if ((valid & FATTR_ATIME) != 0) {
        times[0] = atime;
        times[1] = checkNs(atimeNs);
      }
      if ((valid & FATTR_MTIME_NOW) != 0) {
        times[3] = LinuxFiles.UTIME_NOW;
      } else if ((valid & FATTR_MTIME) != 0) {
        times[2] = mtime;
        times[3] = checkNs(mtimeNs);
      }
      LinuxFiles.utimensat(n.fd, LinuxFiles.EMPTY, times, LinuxFiles.AT_EMPTY_PATH | LinuxFiles.AT_SYMLINK_NOFOLLOW);
    }
    ByteBuffer b = buffer(FuseStructs.ATTR_OUT_SIZE, room);
    FuseStructs.attrOut(b, HostStat.of(n.fd), ids, config.timeoutSeconds());
    return b;
  }

  private static long checkNs(int ns) throws FuseException {
    if (ns < 0 || ns >= 1_000_000_000) {
      throw new FuseException(Errno.EINVAL, "nanoseconds out of range");
    }
    return ns;
  }

  ByteBuffer readlink(long nodeId, FuseArgs a, int room) throws FuseException {
    a.end();
    byte[] target = files.readlink(nodes.get(nodeId));
    ByteBuffer b = buffer(target.length, room);
    b.put(target);
    return b;
  }

  ByteBuffer symlink(long nodeId, FuseArgs a, int room) throws FuseException {
    Name name = a.name().entry();
    byte[] target = a.target();
    a.end();
    Node parent = nodes.dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.symlinkat(LinuxFiles.path(target, 0, target.length), parent.fd, name.path());
    return entry(files.lookup(parent, name), room);
  }

  ByteBuffer mknod(long nodeId, FuseArgs a, int room) throws FuseException {
    int mode = a.u32();
    a.u32(); // rdev: device nodes are refused, so never used
    a.u32(); // umask: already applied by the guest kernel
    a.u32();
    Name name = a.name().entry();
    a.end();
    int type = mode & LinuxFiles.S_IFMT;
    if (type == 0) {
      type = LinuxFiles.S_IFREG;
    }
    if (type != LinuxFiles.S_IFREG && type != LinuxFiles.S_IFIFO) {
      throw new FuseException(Errno.EPERM, "only regular files and FIFOs can be created");
    }
    Node parent = nodes.dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.mknodat(parent.fd, name.path(), type | ConfinedFiles.allowedMode(type, mode), 0);
    Node n = files.lookup(parent, name);
    files.chmodIfNeeded(n, mode & 07777);
    return entry(n, room);
  }

  ByteBuffer mkdir(long nodeId, FuseArgs a, int room) throws FuseException {
    int mode = a.u32();
    a.u32(); // umask
    Name name = a.name().entry();
    a.end();
    Node parent = nodes.dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.mkdirat(parent.fd, name.path(), ConfinedFiles.allowedMode(LinuxFiles.S_IFDIR, mode));
    Node n = files.lookup(parent, name);
    files.chmodIfNeeded(n, mode & 07777);
    return entry(n, room);
  }

  ByteBuffer unlink(long nodeId, FuseArgs a, boolean rmdir) throws FuseException {
    Name name = a.name().entry();
    a.end();
    LinuxFiles.unlinkat(nodes.dir(nodeId).fd, name.path(), rmdir ? LinuxFiles.AT_REMOVEDIR : 0);
    return empty();
  }

  ByteBuffer rename(long nodeId, FuseArgs a, boolean withFlags) throws FuseException {
    long newDir = a.u64();
    int flags = 0;
    if (withFlags) {
      flags = a.u32();
      a.u32();
    }
    Name from = a.name().entry();
    Name to = a.name().entry();
    a.end();
    int allowed = LinuxFiles.RENAME_NOREPLACE | LinuxFiles.RENAME_EXCHANGE;
    if ((flags & ~allowed) != 0 || flags == allowed) {
      throw new FuseException(Errno.EINVAL, "rename flags " + flags);
    }
    LinuxFiles.renameat2(nodes.dir(nodeId).fd, from.path(), nodes.dir(newDir).fd, to.path(), flags);
    return empty();
  }

  ByteBuffer link(long nodeId, FuseArgs a, int room) throws FuseException {
    long oldId = a.u64();
    Name name = a.name().entry();
    a.end();
    Node parent = nodes.dir(nodeId);
    Node old = nodes.get(oldId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.link(old, parent, name);
    return entry(files.lookup(parent, name), room);
  }

  ByteBuffer statfs(long nodeId, FuseArgs a, int room) throws FuseException {
    a.end();
    Node n = nodes.get(nodeId);
    byte[] s = new byte[LinuxFiles.STATFS_SIZE];
    LinuxFiles.fstatfs(n.fd, s);
    ByteBuffer in = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = buffer(FuseStructs.STATFS_OUT_SIZE, room);
    b.putLong(in.getLong(16)); // blocks
    b.putLong(in.getLong(24)); // bfree
    b.putLong(in.getLong(32)); // bavail
    b.putLong(in.getLong(40)); // files
    b.putLong(in.getLong(48)); // ffree
    b.putInt((int) in.getLong(8)); // bsize
    b.putInt((int) in.getLong(64)); // namelen
    b.putInt((int) in.getLong(72)); // frsize
    return b;
  }

  ByteBuffer access(long nodeId, int uid, int gid, FuseArgs a) throws FuseException {
    int mask = a.u32();
    a.u32();
    a.end();
    Node n = nodes.get(nodeId);
    if ((mask & 2) != 0 && config.readOnly()) {
      throw new FuseException(Errno.EROFS, "read-only share");
    }
    HostStat st = HostStat.of(n.fd);
    int mode = st.mode();
    int granted;
    if (uid == 0) {
      boolean anyExec = (mode & 0111) != 0 || n.type == LinuxFiles.S_IFDIR;
      granted = 6 | (anyExec ? 1 : 0);
    } else if (ids.uidToGuest(st.uid()) == uid) {
      granted = (mode >> 6) & 7;
    } else if (ids.gidToGuest(st.gid()) == gid) {
      granted = (mode >> 3) & 7;
    } else {
      granted = mode & 7;
    }
    if ((mask & 7 & ~granted) != 0) {
      throw new FuseException(Errno.EACCES, "access denied");
    }
    return empty();
  }

  private ByteBuffer entry(Node n, int room) throws FuseException {
    ByteBuffer b = buffer(FuseStructs.ENTRY_OUT_SIZE, room);
    FuseStructs.entryOut(b, n.id, HostStat.of(n.fd), ids, config.timeoutSeconds());
    return b;
  }
}
