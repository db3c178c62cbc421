package dev.sbx.vmm.virtio.fs;

import com.sun.jna.LastErrorException;
import dev.sbx.vmm.os.linux.LinuxFiles;
import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.VirtioException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FUSE server for virtio-fs sharing one host folder. It takes one request at a time: the
 * device-readable bytes of a chain ({@code fuse_in_header} + arguments) and the device-writable
 * bytes ({@code fuse_out_header} + reply). Every request is hostile: lengths are checked against
 * the opcode's layout, names are single components, and every host operation is relative to a held
 * {@code O_PATH} descriptor inside the share and never follows a symlink (see docs/virtio-fs.md).
 * No guest input makes an exception escape {@link #handle}.
 */
public final class FuseServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseServer.class);

  static final int IN_HEADER_SIZE = 40;
  static final int OUT_HEADER_SIZE = 16;
  static final int KERNEL_VERSION = 7;
  /** virtio-fs arrived with 7.31; the structs used here are the same up to 7.38. */
  static final int MIN_MINOR = 31;
  static final int MAX_MINOR = 38;
  /** Arguments of any request except WRITE fit in this (two names, or a symlink target). */
  static final int MAX_ARGS = 16 * 1024;

  // FUSE_INIT flags (fuse.h)
  static final int ASYNC_READ = 1;
  static final int ATOMIC_O_TRUNC = 1 << 3;
  static final int BIG_WRITES = 1 << 5;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES = 1 << 22;
  static final int INIT_EXT = 1 << 30;

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

  static final int FSYNC_FDATASYNC = 1;

  /** Guest open flags the host open honours; O_APPEND is dropped because writes carry offsets. */
  private static final int OPEN_FLAGS_KEPT = LinuxFiles.O_ACCMODE | LinuxFiles.O_TRUNC | LinuxFiles.O_SYNC
      | LinuxFiles.O_DSYNC;

  private final FuseConfig config;
  private final IdMapping ids;
  private final NodeTable nodes;
  private final HandleTable handles;
  private final Files files;
  private boolean initialized;
  private boolean readdirplus;

  private FuseServer(FuseConfig config, int rootFd, HostStat rootStat) {
    this.config = config;
    this.ids = config.ids();
    this.nodes = new NodeTable(rootFd, rootStat, config.maxNodes());
    this.handles = new HandleTable(config.maxHandles());
    this.files = new Files(nodes, ids);
  }

  /** Shares {@code root} (an existing directory; a symlink given by the host user is followed once). */
  public static FuseServer open(Path root, FuseConfig config) throws IOException {
    int fd;
    try {
      byte[] p = root.toString().getBytes(StandardCharsets.UTF_8);
      fd = LinuxFiles.open(LinuxFiles.path(p, 0, p.length), LinuxFiles.O_PATH | LinuxFiles.O_DIRECTORY | LinuxFiles.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new IOException("cannot share " + root + ": errno " + e.getErrorCode()
          + "; give an existing directory");
    }
    try {
      return new FuseServer(config, fd, HostStat.of(fd));
    } catch (LastErrorException e) {
      LinuxFiles.closeQuietly(fd);
      throw new IOException("cannot stat " + root + ": errno " + e.getErrorCode());
    }
  }

  /** Inodes the guest currently holds, the root included. */
  public synchronized int nodeCount() {
    return nodes.size();
  }

  /** Open file and directory handles. */
  public synchronized int handleCount() {
    return handles.size();
  }

  @Override
  public synchronized void close() {
    handles.clear();
    nodes.clear();
    LinuxFiles.closeQuietly(nodes.root().fd);
  }

  /**
   * Serves one request.
   *
   * @return bytes written to {@code out} (the used length), 0 for FORGET/BATCH_FORGET, which have
   *     no reply, and for requests too broken to answer
   */
  public synchronized int handle(ChainReader in, ChainWriter out) {
    if (in.remaining() < IN_HEADER_SIZE) {
      return replyError(out, 0, Errno.EINVAL);
    }
    long unique = 0;
    try {
      FuseArgs h = new FuseArgs(in.readBytes(IN_HEADER_SIZE));
      long len = Integer.toUnsignedLong(h.u32());
      int opcode = h.u32();
      unique = h.u64();
      long nodeId = h.u64();
      int uid = h.u32();
      int gid = h.u32();
      h.u32(); // pid
      int extLen = h.u16();
      long argsLen = len - IN_HEADER_SIZE;
      if (argsLen < 0 || argsLen > in.remaining()) {
        throw new FuseException(Errno.EINVAL, "header length " + len + " disagrees with the chain");
      }
      if (extLen != 0) {
        throw new FuseException(Errno.EINVAL, "request extensions were not negotiated");
      }
      if (opcode == FuseOpcode.FORGET || opcode == FuseOpcode.BATCH_FORGET) {
        forget(opcode, nodeId, in, (int) argsLen);
        return 0;
      }
      if (opcode == FuseOpcode.WRITE) {
        return write(in, out, unique, (int) argsLen);
      }
      if (argsLen > MAX_ARGS) {
        throw new FuseException(Errno.EINVAL, "arguments too long for opcode " + opcode);
      }
      FuseArgs args = new FuseArgs(in.readBytes((int) argsLen));
      if (opcode == FuseOpcode.READ) {
        return read(args, out, unique);
      }
      int room = out.remaining() - OUT_HEADER_SIZE;
      if (room < 0) {
        return 0;
      }
      ByteBuffer reply = dispatch(opcode, nodeId, uid, gid, args, room);
      return reply(out, unique, 0, reply);
    } catch (FuseException e) {
      log.trace("request {} failed: {}", unique, e.getMessage());
      return replyError(out, unique, e.errno());
    } catch (LastErrorException e) {
      return replyError(out, unique, e.getErrorCode() > 0 ? e.getErrorCode() : Errno.EIO);
    } catch (VirtioException e) {
      return replyError(out, unique, Errno.EINVAL);
    } catch (IOException e) {
      return replyError(out, unique, IoErrors.errno(e));
    } catch (RuntimeException e) {
      log.warn("request {} failed unexpectedly", unique, e);
      return replyError(out, unique, Errno.EIO);
    }
  }

  private ByteBuffer dispatch(int opcode, long nodeId, int uid, int gid, FuseArgs args, int room)
      throws FuseException, IOException {
    if (opcode == FuseOpcode.INIT) {
      return init(args, room);
    }
    if (!initialized) {
      throw new FuseException(Errno.EIO, "request before INIT");
    }
    if (config.readOnly() && modifies(opcode)) {
      throw new FuseException(Errno.EROFS, "read-only share");
    }
    switch (opcode) {
      case FuseOpcode.DESTROY:
        args.end();
        handles.clear();
        nodes.clear();
        initialized = false;
        return empty();
      case FuseOpcode.LOOKUP:
        return lookup(nodeId, args, room);
      case FuseOpcode.GETATTR:
        return getattr(nodeId, args, room);
      case FuseOpcode.SETATTR:
        return setattr(nodeId, args, room);
      case FuseOpcode.READLINK:
        return readlink(nodeId, args, room);
      case FuseOpcode.SYMLINK:
        return symlink(nodeId, args, room);
      case FuseOpcode.MKNOD:
        return mknod(nodeId, args, room);
      case FuseOpcode.MKDIR:
        return mkdir(nodeId, args, room);
      case FuseOpcode.UNLINK:
      case FuseOpcode.RMDIR:
        return unlink(nodeId, args, opcode == FuseOpcode.RMDIR);
      case FuseOpcode.RENAME:
      case FuseOpcode.RENAME2:
        return rename(nodeId, args, opcode == FuseOpcode.RENAME2);
      case FuseOpcode.LINK:
        return link(nodeId, args, room);
      case FuseOpcode.OPEN:
        return open(nodeId, args, room);
      case FuseOpcode.CREATE:
        return create(nodeId, args, room);
      case FuseOpcode.STATFS:
        return statfs(nodeId, args, room);
      case FuseOpcode.RELEASE:
      case FuseOpcode.RELEASEDIR:
        return release(args, opcode == FuseOpcode.RELEASEDIR);
      case FuseOpcode.FLUSH:
        return flush(args);
      case FuseOpcode.FSYNC:
      case FuseOpcode.FSYNCDIR:
        return fsync(args, opcode == FuseOpcode.FSYNCDIR);
      case FuseOpcode.OPENDIR:
        return opendir(nodeId, args, room);
      case FuseOpcode.READDIR:
        return readdir(args, room, false);
      case FuseOpcode.READDIRPLUS:
        if (!readdirplus) {
          throw new FuseException(Errno.ENOSYS, "READDIRPLUS was not granted");
        }
        return readdir(args, room, true);
      case FuseOpcode.ACCESS:
        return access(nodeId, uid, gid, args);
      case FuseOpcode.FALLOCATE:
        return fallocate(args);
      case FuseOpcode.LSEEK:
        return lseek(args, room);
      default:
        // Intentionally absent: xattrs (the guest then reports EOPNOTSUPP), locks (stay local to
        // the guest), ioctl, poll, bmap, copy_file_range, DAX mappings, syncfs, tmpfile, statx.
        throw new FuseException(Errno.ENOSYS, "opcode " + opcode + " not supported");
    }
  }

  private static boolean modifies(int opcode) {
    switch (opcode) {
      case FuseOpcode.SETATTR:
      case FuseOpcode.SYMLINK:
      case FuseOpcode.MKNOD:
      case FuseOpcode.MKDIR:
      case FuseOpcode.UNLINK:
      case FuseOpcode.RMDIR:
      case FuseOpcode.RENAME:
      case FuseOpcode.RENAME2:
      case FuseOpcode.LINK:
      case FuseOpcode.WRITE:
      case FuseOpcode.CREATE:
      case FuseOpcode.FALLOCATE:
      case FuseOpcode.SETXATTR:
      case FuseOpcode.REMOVEXATTR:
      case FuseOpcode.COPY_FILE_RANGE:
      case FuseOpcode.TMPFILE:
        return true;
      default:
        return false;
    }
  }

  // ---- replies

  private static ByteBuffer buffer(int size, int room) throws FuseException {
    if (size > room) {
      throw new FuseException(Errno.EINVAL, "reply buffer too small");
    }
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static ByteBuffer empty() {
    return ByteBuffer.allocate(0);
  }

  private static byte[] header(int len, int error, long unique) {
    ByteBuffer b = ByteBuffer.allocate(OUT_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(len).putInt(error).putLong(unique);
    return b.array();
  }

  private static int reply(ChainWriter out, long unique, int error, ByteBuffer body) {
    // Fixed structs are sent whole (unused trailing fields stay zero); listings arrive trimmed.
    int bodyLen = body.capacity();
    if (out.remaining() < OUT_HEADER_SIZE + bodyLen) {
      return replyError(out, unique, Errno.EINVAL);
    }
    out.write(header(OUT_HEADER_SIZE + bodyLen, error, unique));
    out.write(body.array(), 0, bodyLen);
    return out.written();
  }

  private static int replyError(ChainWriter out, long unique, int errno) {
    if (out.remaining() < OUT_HEADER_SIZE) {
      return 0;
    }
    out.write(header(OUT_HEADER_SIZE, -errno, unique));
    return out.written();
  }

  private ByteBuffer entry(Node n, int room) throws FuseException {
    ByteBuffer b = buffer(FuseStructs.ENTRY_OUT_SIZE, room);
    FuseStructs.entryOut(b, n.id, HostStat.of(n.fd), ids, config.timeoutSeconds());
    return b;
  }

  /** Fails before any side effect when the entry reply cannot fit. */
  private static void needRoom(int size, int room) throws FuseException {
    if (size > room) {
      throw new FuseException(Errno.EINVAL, "reply buffer too small");
    }
  }

  private Node dir(long nodeId) throws FuseException {
    Node n = nodes.get(nodeId);
    if (n.type != LinuxFiles.S_IFDIR) {
      throw new FuseException(Errno.ENOTDIR, "not a directory");
    }
    return n;
  }

  // ---- INIT

  private ByteBuffer init(FuseArgs a, int room) throws FuseException {
    if (a.remaining() < 16 || a.remaining() > 64) {
      throw new FuseException(Errno.EINVAL, "fuse_init_in must be 16 to 64 bytes");
    }
    int major = a.u32();
    int minor = a.u32();
    int maxReadahead = a.u32();
    int flags = a.u32();
    if (initialized) {
      // A new session (guest rebooted or remounted without DESTROY): drop the old one's state.
      handles.clear();
      nodes.clear();
      initialized = false;
    }
    ByteBuffer b = buffer(FuseStructs.INIT_OUT_SIZE, room);
    if (major > KERNEL_VERSION) {
      // The kernel retries with our major.
      b.putInt(KERNEL_VERSION).putInt(MAX_MINOR);
      return b;
    }
    if (major < KERNEL_VERSION || minor < MIN_MINOR) {
      throw new FuseException(Errno.EPROTO, "FUSE " + major + "." + minor + " is older than 7." + MIN_MINOR);
    }
    int supported = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | PARALLEL_DIROPS | MAX_PAGES | INIT_EXT
        | (config.readdirplus() ? DO_READDIRPLUS | READDIRPLUS_AUTO : 0);
    int granted = flags & supported;
    readdirplus = (granted & DO_READDIRPLUS) != 0;
    initialized = true;
    b.putInt(KERNEL_VERSION);
    b.putInt(Math.min(minor, MAX_MINOR));
    b.putInt(maxReadahead);
    b.putInt(granted);
    b.putShort((short) 0); // max_background: kernel default
    b.putShort((short) 0); // congestion_threshold: kernel default
    b.putInt(config.maxWrite());
    b.putInt(1); // time_gran: nanoseconds
    b.putShort((short) (config.maxWrite() / 4096)); // max_pages
    b.putShort((short) 0); // map_alignment
    b.putInt(0); // flags2: nothing from the second word
    return b;
  }

  // ---- forget

  private void forget(int opcode, long nodeId, ChainReader in, int argsLen) {
    // No reply exists to carry an error: malformed forgets are dropped.
    if (opcode == FuseOpcode.FORGET) {
      if (argsLen == 8 && initialized) {
        nodes.forget(nodeId, in.readLong());
      }
      return;
    }
    if (argsLen < 8 || argsLen > MAX_ARGS * 64) {
      return;
    }
    long count = Integer.toUnsignedLong(in.readInt());
    in.readInt();
    if (count * 16 != argsLen - 8 || !initialized) {
      return;
    }
    for (long i = 0; i < count; i++) {
      long id = in.readLong();
      nodes.forget(id, in.readLong());
    }
  }

  // ---- names

  private ByteBuffer lookup(long nodeId, FuseArgs a, int room) throws FuseException {
    Name name = a.name();
    a.end();
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    return entry(files.lookup(dir(nodeId), name), room);
  }

  private ByteBuffer getattr(long nodeId, FuseArgs a, int room) throws FuseException {
    a.u32();
    a.u32();
    a.u64();
    a.end();
    Node n = nodes.get(nodeId);
    ByteBuffer b = buffer(FuseStructs.ATTR_OUT_SIZE, room);
    FuseStructs.attrOut(b, HostStat.of(n.fd), ids, config.timeoutSeconds());
    return b;
  }

  private ByteBuffer setattr(long nodeId, FuseArgs a, int room) throws FuseException {
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

  private ByteBuffer readlink(long nodeId, FuseArgs a, int room) throws FuseException {
    a.end();
    byte[] target = files.readlink(nodes.get(nodeId));
    ByteBuffer b = buffer(target.length, room);
    b.put(target);
    return b;
  }

  private ByteBuffer symlink(long nodeId, FuseArgs a, int room) throws FuseException {
    Name name = a.name().entry();
    byte[] target = a.target();
    a.end();
    Node parent = dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.symlinkat(LinuxFiles.path(target, 0, target.length), parent.fd, name.path());
    return entry(files.lookup(parent, name), room);
  }

  private ByteBuffer mknod(long nodeId, FuseArgs a, int room) throws FuseException {
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
    Node parent = dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.mknodat(parent.fd, name.path(), type | (mode & 07777), 0);
    Node n = files.lookup(parent, name);
    files.chmodIfNeeded(n, mode & 07777);
    return entry(n, room);
  }

  private ByteBuffer mkdir(long nodeId, FuseArgs a, int room) throws FuseException {
    int mode = a.u32();
    a.u32(); // umask
    Name name = a.name().entry();
    a.end();
    Node parent = dir(nodeId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.requireNodeRoom();
    LinuxFiles.mkdirat(parent.fd, name.path(), mode & 07777);
    Node n = files.lookup(parent, name);
    files.chmodIfNeeded(n, mode & 07777);
    return entry(n, room);
  }

  private ByteBuffer unlink(long nodeId, FuseArgs a, boolean rmdir) throws FuseException {
    Name name = a.name().entry();
    a.end();
    LinuxFiles.unlinkat(dir(nodeId).fd, name.path(), rmdir ? LinuxFiles.AT_REMOVEDIR : 0);
    return empty();
  }

  private ByteBuffer rename(long nodeId, FuseArgs a, boolean withFlags) throws FuseException {
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
    LinuxFiles.renameat2(dir(nodeId).fd, from.path(), dir(newDir).fd, to.path(), flags);
    return empty();
  }

  private ByteBuffer link(long nodeId, FuseArgs a, int room) throws FuseException {
    long oldId = a.u64();
    Name name = a.name().entry();
    a.end();
    Node parent = dir(nodeId);
    Node old = nodes.get(oldId);
    needRoom(FuseStructs.ENTRY_OUT_SIZE, room);
    files.link(old, parent, name);
    return entry(files.lookup(parent, name), room);
  }

  // ---- files

  private ByteBuffer open(long nodeId, FuseArgs a, int room) throws FuseException, IOException {
    int flags = a.u32();
    a.u32(); // open_flags
    a.end();
    Node n = nodes.get(nodeId);
    if (config.readOnly() && writes(flags)) {
      throw new FuseException(Errno.EROFS, "read-only share");
    }
    ByteBuffer b = buffer(FuseStructs.OPEN_OUT_SIZE, room);
    handles.reserve();
    int fd = files.reopen(n, flags & OPEN_FLAGS_KEPT);
    Handle.File h = adopt(n, fd, flags);
    FuseStructs.openOut(b, h.id);
    return b;
  }

  private Handle.File adopt(Node n, int fd, int flags) throws IOException {
    try {
      int acc = flags & LinuxFiles.O_ACCMODE;
      java.nio.channels.FileChannel ch = files.channel(fd, acc);
      return handles.add(id -> new Handle.File(id, n, fd, ch, acc != LinuxFiles.O_WRONLY, acc != LinuxFiles.O_RDONLY));
    } catch (IOException | RuntimeException e) {
      LinuxFiles.closeQuietly(fd);
      throw e;
    }
  }

  private static boolean writes(int flags) {
    return (flags & LinuxFiles.O_ACCMODE) != LinuxFiles.O_RDONLY || (flags & LinuxFiles.O_TRUNC) != 0;
  }

  private ByteBuffer create(long nodeId, FuseArgs a, int room) throws FuseException, IOException {
    int flags = a.u32();
    int mode = a.u32();
    a.u32(); // umask
    a.u32(); // open_flags
    Name name = a.name().entry();
    a.end();
    if ((mode & LinuxFiles.S_IFMT) != 0 && (mode & LinuxFiles.S_IFMT) != LinuxFiles.S_IFREG) {
      throw new FuseException(Errno.EINVAL, "CREATE makes regular files only");
    }
    Node parent = dir(nodeId);
    ByteBuffer b = buffer(FuseStructs.ENTRY_OUT_SIZE + FuseStructs.OPEN_OUT_SIZE, room);
    handles.reserve();
    files.requireNodeRoom();
    Files.Created c = files.create(parent, name, flags & (OPEN_FLAGS_KEPT | LinuxFiles.O_EXCL), mode & 07777);
    Handle.File h = adopt(c.node(), c.fd(), flags);
    FuseStructs.entryOut(b, c.node().id, HostStat.of(c.node().fd), ids, config.timeoutSeconds());
    FuseStructs.openOut(b, h.id);
    return b;
  }

  private int read(FuseArgs a, ChainWriter out, long unique) throws FuseException, IOException {
    long fh = a.u64();
    long offset = a.u64();
    int size = a.u32();
    a.u32();
    a.u64();
    a.u32();
    a.u32();
    a.end();
    if (!initialized) {
      throw new FuseException(Errno.EIO, "request before INIT");
    }
    Handle.File h = handles.get(fh, Handle.File.class);
    if (offset < 0) {
      throw new FuseException(Errno.EINVAL, "negative offset");
    }
    long want = Math.min(Integer.toUnsignedLong(size), Math.min(config.maxWrite(), out.remaining() - OUT_HEADER_SIZE));
    if (want < 0) {
      return 0;
    }
    // The header goes first, so the length comes from the file size now; a concurrent host
    // truncation that shortens the transfer is padded with zeros (docs/virtio-fs.md).
    long fileSize = HostStat.of(h.fd).size();
    int n = (int) Math.max(0, Math.min(want, fileSize - offset));
    if (!canRead(h)) {
      throw new FuseException(Errno.EBADF, "handle not open for reading");
    }
    out.write(header(OUT_HEADER_SIZE + n, 0, unique));
    int done = 0;
    while (done < n) {
      long got = out.transferFrom(h.channel, offset + done, n - done);
      if (got <= 0) {
        out.write(new byte[n - done]);
        break;
      }
      done += (int) got;
    }
    return out.written();
  }

  private static boolean canRead(Handle.File h) {
    return h.readable;
  }

  private int write(ChainReader in, ChainWriter out, long unique, int argsLen) {
    try {
      if (argsLen < 40) {
        throw new FuseException(Errno.EINVAL, "fuse_write_in truncated");
      }
      FuseArgs a = new FuseArgs(in.readBytes(40));
      long fh = a.u64();
      long offset = a.u64();
      long size = Integer.toUnsignedLong(a.u32());
      if (size != argsLen - 40) {
        throw new FuseException(Errno.EINVAL, "WRITE size disagrees with the request length");
      }
      if (size > config.maxWrite()) {
        throw new FuseException(Errno.EINVAL, "WRITE larger than max_write");
      }
      if (!initialized) {
        throw new FuseException(Errno.EIO, "request before INIT");
      }
      if (config.readOnly()) {
        throw new FuseException(Errno.EROFS, "read-only share");
      }
      Handle.File h = handles.get(fh, Handle.File.class);
      if (!h.writable) {
        throw new FuseException(Errno.EBADF, "handle not open for writing");
      }
      if (offset < 0 || offset + size < 0) {
        throw new FuseException(Errno.EFBIG, "offset out of range");
      }
      if (out.remaining() < OUT_HEADER_SIZE + FuseStructs.WRITE_OUT_SIZE) {
        throw new FuseException(Errno.EINVAL, "reply buffer too small");
      }
      long done = 0;
      while (done < size) {
        long put = in.transferTo(h.channel, offset + done, (int) (size - done));
        if (put <= 0) {
          throw new FuseException(Errno.EIO, "short write");
        }
        done += put;
      }
      ByteBuffer b = ByteBuffer.allocate(FuseStructs.WRITE_OUT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt((int) done).putInt(0);
      return reply(out, unique, 0, b);
    } catch (FuseException e) {
      return replyError(out, unique, e.errno());
    } catch (VirtioException e) {
      return replyError(out, unique, Errno.EINVAL);
    } catch (IOException e) {
      return replyError(out, unique, IoErrors.errno(e));
    } catch (RuntimeException e) {
      log.warn("WRITE {} failed unexpectedly", unique, e);
      return replyError(out, unique, Errno.EIO);
    }
  }

  private ByteBuffer statfs(long nodeId, FuseArgs a, int room) throws FuseException {
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

  private ByteBuffer release(FuseArgs a, boolean dir) throws FuseException {
    long fh = a.u64();
    a.u32();
    a.u32();
    a.u64();
    a.end();
    handles.release(fh, dir ? Handle.Dir.class : Handle.File.class);
    return empty();
  }

  private ByteBuffer flush(FuseArgs a) throws FuseException {
    long fh = a.u64();
    a.u32();
    a.u32();
    a.u64();
    a.end();
    handles.get(fh, Handle.File.class);
    return empty();
  }

  private ByteBuffer fsync(FuseArgs a, boolean dir) throws FuseException {
    long fh = a.u64();
    int flags = a.u32();
    a.u32();
    a.end();
    int fd = dir ? handles.get(fh, Handle.Dir.class).fd : handles.get(fh, Handle.File.class).fd;
    if ((flags & FSYNC_FDATASYNC) != 0) {
      LinuxFiles.fdatasync(fd);
    } else {
      LinuxFiles.fsync(fd);
    }
    return empty();
  }

  private ByteBuffer fallocate(FuseArgs a) throws FuseException {
    long fh = a.u64();
    long offset = a.u64();
    long length = a.u64();
    int mode = a.u32();
    a.u32();
    a.end();
    int allowed = LinuxFiles.FALLOC_FL_KEEP_SIZE | LinuxFiles.FALLOC_FL_PUNCH_HOLE | LinuxFiles.FALLOC_FL_ZERO_RANGE;
    if ((mode & ~allowed) != 0) {
      throw new FuseException(Errno.EOPNOTSUPP, "fallocate mode " + mode);
    }
    Handle.File h = handles.get(fh, Handle.File.class);
    if (!h.writable) {
      throw new FuseException(Errno.EBADF, "handle not open for writing");
    }
    LinuxFiles.fallocate(h.fd, mode, offset, length);
    return empty();
  }

  private ByteBuffer lseek(FuseArgs a, int room) throws FuseException {
    long fh = a.u64();
    long offset = a.u64();
    int whence = a.u32();
    a.u32();
    a.end();
    if (whence != LinuxFiles.SEEK_DATA && whence != LinuxFiles.SEEK_HOLE) {
      throw new FuseException(Errno.EINVAL, "LSEEK serves SEEK_DATA and SEEK_HOLE only");
    }
    Handle.File h = handles.get(fh, Handle.File.class);
    ByteBuffer b = buffer(FuseStructs.LSEEK_OUT_SIZE, room);
    b.putLong(LinuxFiles.lseek(h.fd, offset, whence));
    return b;
  }

  private ByteBuffer access(long nodeId, int uid, int gid, FuseArgs a) throws FuseException {
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

  // ---- directories

  private ByteBuffer opendir(long nodeId, FuseArgs a, int room) throws FuseException {
    a.u32();
    a.u32();
    a.end();
    Node n = dir(nodeId);
    ByteBuffer b = buffer(FuseStructs.OPEN_OUT_SIZE, room);
    handles.reserve();
    int fd = LinuxFiles.openat(n.fd, new byte[] {'.', 0},
        LinuxFiles.O_RDONLY | LinuxFiles.O_DIRECTORY | LinuxFiles.O_CLOEXEC | LinuxFiles.O_NOFOLLOW, 0);
    Handle.Dir h = handles.add(id -> new Handle.Dir(id, n, fd));
    FuseStructs.openOut(b, h.id);
    return b;
  }

  private ByteBuffer readdir(FuseArgs a, int room, boolean plus) throws FuseException {
    long fh = a.u64();
    long offset = a.u64();
    int size = a.u32();
    a.u32();
    a.u64();
    a.u32();
    a.u32();
    a.end();
    Handle.Dir h = handles.get(fh, Handle.Dir.class);
    int cap = (int) Math.min(Integer.toUnsignedLong(size), Math.min(room, config.maxWrite()));
    return new DirectoryListing(files, ids, config.timeoutSeconds()).list(h, offset, cap, plus, nodes.root());
  }
}
