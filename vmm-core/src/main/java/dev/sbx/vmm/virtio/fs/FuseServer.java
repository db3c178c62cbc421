package dev.sbx.vmm.virtio.fs;

import static dev.sbx.vmm.virtio.fs.FuseReplies.buffer;
import static dev.sbx.vmm.virtio.fs.FuseReplies.empty;
import static dev.sbx.vmm.virtio.fs.FuseReplies.header;

import com.sun.jna.LastErrorException;
import dev.sbx.vmm.os.linux.LinuxFiles;
import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.VirtioException;
import java.io.IOException;
import java.nio.ByteBuffer;
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

  private final FuseConfig config;
  private final NodeTable nodes;
  private final HandleTable handles;
  private final EntryRequests entries;
  private final HandleRequests handleOps;
  private boolean initialized;
  private boolean readdirplus;

  private FuseServer(FuseConfig config, int rootFd, HostStat rootStat) {
    this.config = config;
    this.nodes = new NodeTable(rootFd, rootStat, config.maxNodes());
    this.handles = new HandleTable(config.maxHandles());
    ConfinedFiles files = new ConfinedFiles(nodes, config.ids());
    this.entries = new EntryRequests(config, nodes, handles, files);
    this.handleOps = new HandleRequests(config, nodes, handles, files);
  }

  /** Shares {@code root} (an existing directory; a symlink given by the host user is followed once). */
  public static FuseServer open(Path root, FuseConfig config) throws IOException {
    int fd;
    try {
      byte[] p = root.toString().getBytes(StandardCharsets.UTF_8);
      fd = LinuxFiles.open(LinuxFiles.path(p, 0, p.length),
          LinuxFiles.O_PATH | LinuxFiles.O_DIRECTORY | LinuxFiles.O_CLOEXEC, 0);
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

  public FuseConfig config() {
    return config;
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
        requireInit();
        return reply(out, unique, 0, handleOps.write(in, (int) argsLen, out.remaining() - OUT_HEADER_SIZE));
      }
      if (argsLen > MAX_ARGS) {
        throw new FuseException(Errno.EINVAL, "arguments too long for opcode " + opcode);
      }
      FuseArgs args = new FuseArgs(in.readBytes((int) argsLen));
      if (opcode == FuseOpcode.READ) {
        requireInit();
        return handleOps.read(args, out, unique);
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
    requireInit();
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
        return entries.lookup(nodeId, args, room);
      case FuseOpcode.GETATTR:
        return entries.getattr(nodeId, args, room);
      case FuseOpcode.SETATTR:
        return entries.setattr(nodeId, args, room);
      case FuseOpcode.READLINK:
        return entries.readlink(nodeId, args, room);
      case FuseOpcode.SYMLINK:
        return entries.symlink(nodeId, args, room);
      case FuseOpcode.MKNOD:
        return entries.mknod(nodeId, args, room);
      case FuseOpcode.MKDIR:
        return entries.mkdir(nodeId, args, room);
      case FuseOpcode.UNLINK:
      case FuseOpcode.RMDIR:
        return entries.unlink(nodeId, args, opcode == FuseOpcode.RMDIR);
      case FuseOpcode.RENAME:
      case FuseOpcode.RENAME2:
        return entries.rename(nodeId, args, opcode == FuseOpcode.RENAME2);
      case FuseOpcode.LINK:
        return entries.link(nodeId, args, room);
      case FuseOpcode.OPEN:
        return handleOps.open(nodeId, args, room);
      case FuseOpcode.CREATE:
        return handleOps.create(nodeId, args, room);
      case FuseOpcode.STATFS:
        return entries.statfs(nodeId, args, room);
      case FuseOpcode.RELEASE:
      case FuseOpcode.RELEASEDIR:
        return handleOps.release(args, opcode == FuseOpcode.RELEASEDIR);
      case FuseOpcode.FLUSH:
        return handleOps.flush(args);
      case FuseOpcode.FSYNC:
      case FuseOpcode.FSYNCDIR:
        return handleOps.fsync(args, opcode == FuseOpcode.FSYNCDIR);
      case FuseOpcode.OPENDIR:
        return handleOps.opendir(nodeId, args, room);
      case FuseOpcode.READDIR:
        return handleOps.readdir(args, room, false);
      case FuseOpcode.READDIRPLUS:
        if (!readdirplus) {
          throw new FuseException(Errno.ENOSYS, "READDIRPLUS was not granted");
        }
        return handleOps.readdir(args, room, true);
      case FuseOpcode.ACCESS:
        return entries.access(nodeId, uid, gid, args);
      case FuseOpcode.FALLOCATE:
        return handleOps.fallocate(args);
      case FuseOpcode.LSEEK:
        return handleOps.lseek(args, room);
      default:
        // Intentionally absent: xattrs (the guest then reports EOPNOTSUPP), locks (stay local to
        // the guest), ioctl, poll, bmap, copy_file_range, DAX mappings, syncfs, tmpfile, statx.
        throw new FuseException(Errno.ENOSYS, "opcode " + opcode + " not supported");
    }
  }

  private void requireInit() throws FuseException {
    if (!initialized) {
      throw new FuseException(Errno.EIO, "request before INIT");
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

  // ---- files

  // ---- directories

}
