package dev.sbx.vmm.virtio.fs;

import static dev.sbx.vmm.virtio.fs.FuseReplies.buffer;
import static dev.sbx.vmm.virtio.fs.FuseReplies.empty;
import static dev.sbx.vmm.virtio.fs.FuseReplies.header;

import dev.sbx.vmm.os.linux.LinuxFiles;
import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Requests on open files and directories: OPEN/CREATE hand out handles, READ and WRITE move data
 * between the chain and the file without an intermediate copy, and the rest act on a handle the
 * guest names by {@code fh} (a forged one finds nothing).
 */
final class HandleRequests {
  /** Guest open flags the host open honours; O_APPEND is dropped because writes carry offsets. */
  private static final int OPEN_FLAGS_KEPT = LinuxFiles.O_ACCMODE | LinuxFiles.O_TRUNC | LinuxFiles.O_SYNC
      | LinuxFiles.O_DSYNC;
  static final int FSYNC_FDATASYNC = 1;

  private final FuseConfig config;
  private final IdMapping ids;
  private final NodeTable nodes;
  private final HandleTable handles;
  private final ConfinedFiles files;
  /** Staging for READ and WRITE payloads (max_write bytes, allocated on first use). */
  private byte[] bounce;

  HandleRequests(FuseConfig config, NodeTable nodes, HandleTable handles, ConfinedFiles files) {
    this.config = config;
    this.ids = config.ids();
    this.nodes = nodes;
    this.handles = handles;
    this.files = files;
  }

  ByteBuffer open(long nodeId, FuseArgs a, int room) throws FuseException, IOException {
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
      FileChannel ch = files.channel(fd, acc);
      boolean readable = acc != LinuxFiles.O_WRONLY;
      boolean writable = acc != LinuxFiles.O_RDONLY;
      return handles.add(id -> new Handle.File(id, n, fd, ch, readable, writable));
    } catch (IOException | RuntimeException e) {
      LinuxFiles.closeQuietly(fd);
      throw e;
    }
  }

  private static boolean writes(int flags) {
    return (flags & LinuxFiles.O_ACCMODE) != LinuxFiles.O_RDONLY || (flags & LinuxFiles.O_TRUNC) != 0;
  }

  ByteBuffer create(long nodeId, FuseArgs a, int room) throws FuseException, IOException {
    int flags = a.u32();
    int mode = a.u32();
    a.u32(); // umask
    a.u32(); // open_flags
    Name name = a.name().entry();
    a.end();
    if ((mode & LinuxFiles.S_IFMT) != 0 && (mode & LinuxFiles.S_IFMT) != LinuxFiles.S_IFREG) {
      throw new FuseException(Errno.EINVAL, "CREATE makes regular files only");
    }
    Node parent = nodes.dir(nodeId);
    ByteBuffer b = buffer(FuseStructs.ENTRY_OUT_SIZE + FuseStructs.OPEN_OUT_SIZE, room);
    handles.reserve();
    files.requireNodeRoom();
    ConfinedFiles.Created c = files.create(parent, name, flags & (OPEN_FLAGS_KEPT | LinuxFiles.O_EXCL),
        ConfinedFiles.allowedMode(LinuxFiles.S_IFREG, mode));
    Handle.File h = adopt(c.node(), c.fd(), flags);
    FuseStructs.entryOut(b, c.node().id, HostStat.of(c.node().fd), ids, config.timeoutSeconds());
    FuseStructs.openOut(b, h.id);
    return b;
  }

  /** READ: the header first, then the data from the file into the chain. */
  int read(FuseArgs a, ChainWriter out, long unique) throws FuseException, IOException {
    long fh = a.u64();
    long offset = a.u64();
    int size = a.u32();
    a.u32();
    a.u64();
    a.u32();
    a.u32();
    a.end();
    Handle.File h = handles.get(fh, Handle.File.class);
    if (offset < 0) {
      throw new FuseException(Errno.EINVAL, "negative offset");
    }
    long room = out.remaining() - FuseServer.OUT_HEADER_SIZE;
    long want = Math.min(Integer.toUnsignedLong(size), Math.min(config.maxWrite(), room));
    if (want < 0) {
      return 0;
    }
    // The header goes first, so the length comes from the file size now; a concurrent host
    // truncation that shortens the transfer is padded with zeros (docs/virtio-fs.md).
    long fileSize = HostStat.of(h.fd).size();
    int n = (int) Math.max(0, Math.min(want, fileSize - offset));
    if (!h.readable) {
      throw new FuseException(Errno.EBADF, "handle not open for reading");
    }
    out.write(header(FuseServer.OUT_HEADER_SIZE + n, 0, unique));
    // One pread into the bounce buffer, then one copy into guest memory: the guest's pages are
    // scattered, and a pread per 4 KiB page costs more than the copy (bench/virtiofs/guest.sh).
    byte[] buf = bounce();
    ByteBuffer dst = ByteBuffer.wrap(buf, 0, n);
    while (dst.hasRemaining()) {
      if (h.channel.read(dst, offset + dst.position()) <= 0) {
        break;
      }
    }
    java.util.Arrays.fill(buf, dst.position(), n, (byte) 0);
    out.write(buf, 0, n);
    return out.written();
  }

  private byte[] bounce() {
    if (bounce == null) {
      bounce = new byte[config.maxWrite()];
    }
    return bounce;
  }

  /** WRITE: the data moves from the chain into the file; returns fuse_write_out. */
  ByteBuffer write(ChainReader in, int argsLen, int room) throws FuseException, IOException {
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
    ByteBuffer b = buffer(FuseStructs.WRITE_OUT_SIZE, room);
    // Gathered into one buffer and written with one pwrite (see read).
    byte[] buf = bounce();
    in.read(buf, 0, (int) size);
    ByteBuffer src = ByteBuffer.wrap(buf, 0, (int) size);
    while (src.hasRemaining()) {
      if (h.channel.write(src, offset + src.position()) <= 0) {
        throw new FuseException(Errno.EIO, "short write");
      }
    }
    long done = size;
    b.putInt((int) done).putInt(0);
    return b;
  }

  ByteBuffer release(FuseArgs a, boolean dir) throws FuseException {
    long fh = a.u64();
    a.u32();
    a.u32();
    a.u64();
    a.end();
    handles.release(fh, dir ? Handle.Dir.class : Handle.File.class);
    return empty();
  }

  ByteBuffer flush(FuseArgs a) throws FuseException {
    long fh = a.u64();
    a.u32();
    a.u32();
    a.u64();
    a.end();
    handles.get(fh, Handle.File.class);
    return empty();
  }

  ByteBuffer fsync(FuseArgs a, boolean dir) throws FuseException {
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

  ByteBuffer fallocate(FuseArgs a) throws FuseException {
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

  ByteBuffer lseek(FuseArgs a, int room) throws FuseException {
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

  ByteBuffer opendir(long nodeId, FuseArgs a, int room) throws FuseException {
    a.u32();
    a.u32();
    a.end();
    Node n = nodes.dir(nodeId);
    ByteBuffer b = buffer(FuseStructs.OPEN_OUT_SIZE, room);
    handles.reserve();
    int fd = LinuxFiles.openat(n.fd, new byte[] {'.', 0},
        LinuxFiles.O_RDONLY | LinuxFiles.O_DIRECTORY | LinuxFiles.O_CLOEXEC | LinuxFiles.O_NOFOLLOW, 0);
    Handle.Dir h = handles.add(id -> new Handle.Dir(id, n, fd));
    FuseStructs.openOut(b, h.id);
    return b;
  }

  ByteBuffer readdir(FuseArgs a, int room, boolean plus) throws FuseException {
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
