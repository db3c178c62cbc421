package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every supported opcode's happy path, checked on the host file system. */
class FuseServerTest {
  static final int ALL_FLAGS = 0x7fffffff;
  @TempDir Path tmp;
  Path share;
  FuseServer server;
  FuseClient c;

  @BeforeEach
  void start() throws IOException {
    share = Files.createDirectory(tmp.resolve("share"));
    server = FuseServer.open(share, FuseConfig.defaults(false));
    c = new FuseClient(server);
    assertEquals(0, c.init(ALL_FLAGS).error());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void initNegotiatesVersionFlagsAndLimits() throws IOException {
    try (FuseServer s = FuseServer.open(share, FuseConfig.defaults(false))) {
      FuseClient k = new FuseClient(s);
      assertEquals(Errno.EIO, k.getattr(1).error(), "nothing before INIT");
      int offered = FuseServer.ASYNC_READ | FuseServer.DO_READDIRPLUS | 1 << 16 /* WRITEBACK_CACHE */
          | FuseServer.MAX_PAGES | FuseServer.INIT_EXT | 1 << 2 /* FILE_OPS */;
      Reply r = k.call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(33).u32(65536).u32(offered).u32(0).zeros(44));
      assertEquals(0, r.error());
      ByteBuffer b = r.buf();
      assertEquals(64, r.body().length);
      assertEquals(7, b.getInt(0));
      assertEquals(33, b.getInt(4), "minor never above the kernel's");
      int granted = b.getInt(12);
      assertEquals(0, granted & ~offered, "granted flags are a subset of the offer");
      assertEquals(0, granted & (1 << 16), "no writeback cache");
      assertTrue((granted & FuseServer.DO_READDIRPLUS) != 0);
      assertEquals(1 << 20, b.getInt(20), "max_write");
      assertEquals(256, b.getShort(28), "max_pages");
      Files.writeString(share.resolve("f"), "x");
      k.node(1, "f");
      k.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0));
      assertEquals(0, k.init(ALL_FLAGS).error(), "a second INIT starts a new session");
      assertEquals(1, s.nodeCount(), "the old session's nodes are released");
      assertEquals(0, s.handleCount(), "and its handles");
    }
    try (FuseServer s = FuseServer.open(share, FuseConfig.defaults(false))) {
      FuseClient k = new FuseClient(s);
      Reply old = k.call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(26).u32(0).u32(0));
      assertEquals(Errno.EPROTO, old.error());
      Reply v16 = k.call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(31).u32(0).u32(0));
      assertEquals(0, v16.error(), "pre-7.36 kernels send 16 bytes");
      assertEquals(31, v16.buf().getInt(4));
    }
    FuseConfig noPlus = new FuseConfig(false, IdMapping.currentUserAsAgent(), 100, 100, 1 << 17, false, 1);
    try (FuseServer s = FuseServer.open(share, noPlus)) {
      FuseClient k = new FuseClient(s);
      Reply r = k.init(ALL_FLAGS);
      assertEquals(0, r.buf().getInt(12) & FuseServer.DO_READDIRPLUS);
      long dh = k.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).fh(0);
      assertEquals(Errno.ENOSYS, k.call(FuseOpcode.READDIRPLUS, 1, readIn(dh, 0, 4096)).error());
    }
  }

  static Args readIn(long fh, long off, int size) {
    return Args.of().u64(fh).u64(off).u32(size).u32(0).u64(0).u32(0).u32(0);
  }

  @Test
  void lookupAndGetattrShowTheHostUserAsAgent() throws IOException {
    Files.writeString(share.resolve("f"), "12345");
    Reply e = c.lookup(1, "f");
    assertEquals(0, e.error());
    assertTrue(e.nodeId() > 1);
    assertEquals(5, e.entryAttrLong(FuseClient.ATTR_SIZE));
    assertEquals(1000, e.entryAttrInt(FuseClient.ATTR_UID));
    assertEquals(1000, e.entryAttrInt(FuseClient.ATTR_GID));
    assertEquals(LinuxFiles.S_IFREG, e.entryAttrInt(FuseClient.ATTR_MODE) & LinuxFiles.S_IFMT);
    assertEquals(e.nodeId(), c.node(1, "f"), "the same inode is the same node");
    Reply a = c.getattr(e.nodeId());
    assertEquals(0, a.error());
    assertEquals(104, a.body().length);
    assertEquals(5, a.attrLong(FuseClient.ATTR_SIZE));
    assertEquals(Errno.ENOENT, c.lookup(1, "missing").error());
    Reply root = c.getattr(1);
    assertEquals(LinuxFiles.S_IFDIR, root.attrInt(FuseClient.ATTR_MODE) & LinuxFiles.S_IFMT);
  }

  @Test
  void otherHostOwnersAppearAsNobody() {
    IdMapping ids = new IdMapping(1000, 1000, 4242, 4343);
    assertEquals(1000, ids.uidToGuest(4242));
    assertEquals(IdMapping.OVERFLOW_ID, ids.uidToGuest(0));
    assertEquals(IdMapping.OVERFLOW_ID, ids.gidToGuest(1000));
  }

  @Test
  void createWriteReadAndRelease() throws IOException {
    Reply cr = c.create(1, "a.txt", LinuxFiles.O_RDWR, 0640);
    assertEquals(0, cr.error());
    assertEquals(128 + 16, cr.body().length);
    long fh = cr.fh(128);
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("a.txt"))),
        "the guest's mode, not the host umask's");
    Reply w = c.write(fh, 0, utf8("hello world"));
    assertEquals(0, w.error());
    assertEquals(11, w.buf().getInt(0));
    assertEquals("hello world", Files.readString(share.resolve("a.txt")));
    assertEquals("world", FuseClient.text(c.read(fh, 6, 100).body()));
    assertEquals(0, c.read(fh, 100, 10).body().length, "reads past the end are empty");
    assertEquals(0, c.ok(FuseOpcode.FLUSH, 0, Args.of().u64(fh).u32(0).u32(0).u64(0)).error());
    assertEquals(0, c.release(fh).error());
    assertEquals(0, server.handleCount());
    assertEquals(Errno.EBADF, c.read(fh, 0, 10).error(), "released handles are gone");
    assertEquals(Errno.EEXIST, c.create(1, "a.txt", LinuxFiles.O_RDWR | LinuxFiles.O_EXCL, 0600).error());
    Reply again = c.create(1, "a.txt", LinuxFiles.O_WRONLY | LinuxFiles.O_TRUNC, 0600);
    assertEquals(0, again.error(), "CREATE without O_EXCL opens an existing file");
    assertEquals("", Files.readString(share.resolve("a.txt")));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("a.txt"))),
        "an existing file keeps its mode");
  }

  @Test
  void openHonoursAccessModeAndTruncate() throws IOException {
    Files.writeString(share.resolve("f"), "content");
    long n = c.node(1, "f");
    long ro = c.fh(n, LinuxFiles.O_RDONLY);
    assertEquals("content", FuseClient.text(c.read(ro, 0, 4096).body()));
    assertEquals(Errno.EBADF, c.write(ro, 0, utf8("x")).error());
    long wo = c.fh(n, LinuxFiles.O_WRONLY | LinuxFiles.O_TRUNC);
    assertEquals("", Files.readString(share.resolve("f")));
    assertEquals(0, c.write(wo, 0, utf8("abc")).error());
    assertEquals(Errno.EBADF, c.read(wo, 0, 10).error());
    assertEquals("abc", FuseClient.text(c.read(ro, 0, 10).body()));
    assertEquals(Errno.EISDIR, c.open(1, LinuxFiles.O_RDONLY).error());
  }

  @Test
  void largeTransfersUpToMaxWrite() throws IOException {
    long fh = c.create(1, "big", LinuxFiles.O_RDWR, 0600).fh(128);
    byte[] data = new byte[1 << 20];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    assertEquals(data.length, c.write(fh, 4096, data).buf().getInt(0));
    Reply r = c.read(fh, 4096, 1 << 20);
    assertArrayEquals(data, r.body());
    assertEquals(4096 + (1 << 20), Files.size(share.resolve("big")));
    assertEquals(Errno.EINVAL, c.write(fh, 0, new byte[(1 << 20) + 1]).error(), "more than max_write");
    c.outCapacity = 16 + 100;
    assertEquals(100, c.read(fh, 0, 4096).body().length, "reads are cut to the guest's buffer");
  }

  @Test
  void mkdirMknodSymlinkLinkUnlinkRmdir() throws IOException {
    Reply d = c.mkdir(1, "dir", 0750);
    assertEquals(0, d.error());
    assertTrue(Files.isDirectory(share.resolve("dir")));
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("dir"))));
    long dir = d.nodeId();
    assertEquals(0, c.mknod(dir, "reg", 0100644).error());
    assertTrue(Files.isRegularFile(share.resolve("dir/reg")));
    assertEquals(0, c.mknod(dir, "fifo", 0010600).error());
    assertEquals(LinuxFiles.S_IFIFO, c.lookup(dir, "fifo").entryAttrInt(FuseClient.ATTR_MODE) & LinuxFiles.S_IFMT);
    Reply s = c.symlink(dir, "ln", "../reg-target");
    assertEquals(0, s.error());
    assertEquals("../reg-target", Files.readSymbolicLink(share.resolve("dir/ln")).toString());
    assertEquals("../reg-target", FuseClient.text(c.ok(FuseOpcode.READLINK, s.nodeId(), Args.of()).body()));
    long reg = c.node(dir, "reg");
    Reply l = c.link(reg, 1, "hard");
    assertEquals(0, l.error());
    assertEquals(reg, l.nodeId(), "a hard link is the same node");
    assertEquals(2, l.entryAttrInt(FuseClient.ATTR_NLINK));
    assertTrue(Files.isSameFile(share.resolve("hard"), share.resolve("dir/reg")));
    Reply ls = c.link(s.nodeId(), 1, "ln2");
    assertEquals(0, ls.error(), "linking a symlink links the symlink itself");
    assertTrue(Files.isSymbolicLink(share.resolve("ln2")));
    assertEquals(Errno.EPERM, c.link(dir, 1, "dirlink").error());
    assertEquals(0, c.call(FuseOpcode.UNLINK, 1, Args.of().name("hard")).error());
    assertFalse(Files.exists(share.resolve("hard")));
    assertEquals(Errno.ENOTEMPTY, c.call(FuseOpcode.RMDIR, 1, Args.of().name("dir")).error());
    for (String n : List.of("reg", "fifo", "ln")) {
      assertEquals(0, c.call(FuseOpcode.UNLINK, dir, Args.of().name(n)).error());
    }
    assertEquals(0, c.call(FuseOpcode.RMDIR, 1, Args.of().name("dir")).error());
    assertFalse(Files.exists(share.resolve("dir")));
  }

  @Test
  void renameWithAndWithoutFlags() throws IOException {
    Files.writeString(share.resolve("a"), "A");
    Files.writeString(share.resolve("b"), "B");
    Files.createDirectory(share.resolve("d"));
    long d = c.node(1, "d");
    assertEquals(0, c.call(FuseOpcode.RENAME, 1, Args.of().u64(d).name("a").name("a2")).error());
    assertEquals("A", Files.readString(share.resolve("d/a2")));
    assertEquals(Errno.EEXIST, c.rename2(d, "a2", 1, "b", LinuxFiles.RENAME_NOREPLACE).error());
    assertEquals(0, c.rename2(d, "a2", 1, "b", LinuxFiles.RENAME_EXCHANGE).error());
    assertEquals("A", Files.readString(share.resolve("b")));
    assertEquals("B", Files.readString(share.resolve("d/a2")));
    assertEquals(0, c.rename2(1, "b", 1, "c", LinuxFiles.RENAME_NOREPLACE).error());
    assertEquals("A", Files.readString(share.resolve("c")));
    assertEquals(Errno.EINVAL, c.rename2(1, "c", 1, "e", 3).error(), "NOREPLACE with EXCHANGE");
    assertEquals(Errno.EINVAL, c.rename2(1, "c", 1, "e", 4).error(), "WHITEOUT");
    assertEquals(0, c.rename2(1, "c", 1, "c2", 0).error());
  }

  @Test
  void setattrModeOwnerSizeAndTimes() throws IOException {
    Files.writeString(share.resolve("f"), "0123456789");
    long n = c.node(1, "f");
    Reply m = c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_MODE, 0, 0, 0, 0, 0600, 0, 0));
    assertEquals(0, m.error());
    assertEquals(0100600, m.attrInt(FuseClient.ATTR_MODE));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("f"))));
    Reply t = c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_SIZE, 0, 4, 0, 0, 0, 0, 0));
    assertEquals(4, t.attrLong(FuseClient.ATTR_SIZE));
    assertEquals("0123", Files.readString(share.resolve("f")));
    long fh = c.fh(n, LinuxFiles.O_RDWR);
    assertEquals(0, c.call(FuseOpcode.SETATTR, n,
        setattr(EntryRequests.FATTR_SIZE | EntryRequests.FATTR_FH, fh, 100, 0, 0, 0, 0, 0)).error());
    assertEquals(100, Files.size(share.resolve("f")));
    Reply u = c.call(FuseOpcode.SETATTR, n,
        setattr(EntryRequests.FATTR_ATIME | EntryRequests.FATTR_MTIME, 0, 0, 1_000_000, 1_500_000_000L, 0, 0, 0));
    assertEquals(0, u.error());
    assertEquals(FileTime.fromMillis(1_500_000_000_000L), Files.getLastModifiedTime(share.resolve("f")));
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.SETATTR, n,
        setattrNs(EntryRequests.FATTR_MTIME, 5, 1_000_000_000)).error(), "nanoseconds out of range");
    assertEquals(0, c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_MTIME_NOW, 0, 0, 0, 0, 0, 0, 0)).error());
    assertTrue(Files.getLastModifiedTime(share.resolve("f")).toMillis() > 1_500_000_000_000L);
    Reply own = c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_UID | EntryRequests.FATTR_GID, 0, 0, 0, 0, 0,
        1000, 1000));
    assertEquals(0, own.error(), "chown to the mapped ids");
    assertEquals(1000, own.attrInt(FuseClient.ATTR_UID));
    assertEquals(Errno.EPERM, c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_UID, 0, 0, 0, 0, 0, 0, 0))
        .error(), "chown to root");
    assertEquals(Errno.EPERM, c.call(FuseOpcode.SETATTR, n, setattr(EntryRequests.FATTR_GID, 0, 0, 0, 0, 0, 0, 4))
        .error());
    assertEquals(Errno.EISDIR, c.call(FuseOpcode.SETATTR, 1, setattr(EntryRequests.FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0))
        .error());
  }

  static Args setattr(int valid, long fh, long size, long atime, long mtime, int mode, int uid, int gid) {
    return Args.of().u32(valid).u32(0).u64(fh).u64(size).u64(0).u64(atime).u64(mtime).u64(0).u32(0).u32(0).u32(0)
        .u32(mode).u32(0).u32(uid).u32(gid).u32(0);
  }

  static Args setattrNs(int valid, long mtime, int mtimeNs) {
    return Args.of().u32(valid).u32(0).u64(0).u64(0).u64(0).u64(0).u64(mtime).u64(0).u32(0).u32(mtimeNs).u32(0)
        .u32(0).u32(0).u32(0).u32(0).u32(0);
  }

  /** Names of a READDIR(PLUS) reply, checking each record's layout and 8-byte alignment. */
  static List<String> names(Reply r, boolean plus, long[] lastOff) {
    List<String> names = new ArrayList<>();
    ByteBuffer b = r.buf();
    int pos = 0;
    while (pos < r.body().length) {
      int d = pos + (plus ? 128 : 0);
      int nameLen = b.getInt(d + 16);
      lastOff[0] = b.getLong(d + 8);
      names.add(new String(r.body(), d + 24, nameLen, StandardCharsets.UTF_8));
      int size = (24 + nameLen + 7) & ~7;
      assertEquals(0, size % 8);
      pos = d + size;
    }
    assertEquals(r.body().length, pos, "records fill the reply exactly");
    return names;
  }

  @Test
  void readdirPagesThroughEveryEntry() throws IOException {
    for (int i = 0; i < 50; i++) {
      Files.writeString(share.resolve("file-" + i), "x");
    }
    long dh = c.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).fh(0);
    List<String> all = new ArrayList<>();
    long[] off = {0};
    for (int round = 0; round < 100; round++) {
      Reply r = c.ok(FuseOpcode.READDIR, 1, readIn(dh, off[0], 256));
      if (r.body().length == 0) {
        break;
      }
      assertTrue(r.body().length <= 256);
      all.addAll(names(r, false, off));
    }
    assertEquals(52, all.size(), all.toString());
    assertTrue(all.contains(".") && all.contains("..") && all.contains("file-49"));
    assertEquals(0, c.ok(FuseOpcode.FSYNCDIR, 1, Args.of().u64(dh).u32(0).u32(0)).error());
    assertEquals(0, c.ok(FuseOpcode.RELEASEDIR, 1, Args.of().u64(dh).u32(0).u32(0).u64(0)).error());
    assertEquals(0, server.handleCount());
  }

  @Test
  void readdirplusLooksUpEachEntryOnce() throws IOException {
    Files.writeString(share.resolve("a"), "x");
    Files.createDirectory(share.resolve("b"));
    long dh = c.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).fh(0);
    Reply r = c.ok(FuseOpcode.READDIRPLUS, 1, readIn(dh, 0, 65536));
    List<String> names = names(r, true, new long[1]);
    assertEquals(4, names.size());
    assertEquals(3, server.nodeCount(), "root + a + b");
    ByteBuffer b = r.buf();
    int pos = 0;
    while (pos < r.body().length) {
      long nodeId = b.getLong(pos);
      int nameLen = b.getInt(pos + 128 + 16);
      String name = new String(r.body(), pos + 128 + 24, nameLen, StandardCharsets.UTF_8);
      if (name.equals(".") || name.equals("..")) {
        assertEquals(0, nodeId);
      } else {
        assertEquals(c.node(1, name), nodeId);
        c.forget(nodeId, 2);
      }
      pos += 128 + ((24 + nameLen + 7) & ~7);
    }
    assertEquals(1, server.nodeCount(), "readdirplus counted one lookup per entry");
  }

  @Test
  void statfsFsyncFallocateLseekAccess() throws IOException {
    Reply st = c.ok(FuseOpcode.STATFS, 1, Args.of());
    assertEquals(80, st.body().length);
    assertTrue(st.buf().getLong(0) > 0, "blocks");
    assertEquals(255, st.buf().getInt(44), "namelen");
    long fh = c.create(1, "sparse", LinuxFiles.O_RDWR, 0600).fh(128);
    assertEquals(0, c.write(fh, 0, new byte[8192]).error());
    assertEquals(0, c.call(FuseOpcode.FSYNC, 0, Args.of().u64(fh).u32(0).u32(0)).error());
    assertEquals(0, c.call(FuseOpcode.FSYNC, 0, Args.of().u64(fh).u32(1).u32(0)).error());
    Reply fa = c.call(FuseOpcode.FALLOCATE, 0, Args.of().u64(fh).u64(1 << 20).u64(1 << 20).u32(0).u32(0));
    assertEquals(0, fa.error());
    assertEquals(2 << 20, Files.size(share.resolve("sparse")));
    assertEquals(0, c.call(FuseOpcode.FALLOCATE, 0, Args.of().u64(fh).u64(0).u64(1 << 20)
        .u32(LinuxFiles.FALLOC_FL_PUNCH_HOLE | LinuxFiles.FALLOC_FL_KEEP_SIZE).u32(0)).error());
    assertEquals(2 << 20, Files.size(share.resolve("sparse")));
    assertEquals(Errno.EOPNOTSUPP, c.call(FuseOpcode.FALLOCATE, 0, Args.of().u64(fh).u64(0).u64(1).u32(0x40).u32(0))
        .error());
    assertEquals(0, c.write(fh, 3 << 20, new byte[] {1, 2, 3}).error());
    Reply data = c.call(FuseOpcode.LSEEK, 0, Args.of().u64(fh).u64(0).u32(LinuxFiles.SEEK_DATA).u32(0));
    assertEquals(0, data.error());
    long firstData = data.buf().getLong(0);
    assertTrue(firstData >= 1 << 20 && firstData <= 3 << 20, "data after the punched hole: " + firstData);
    Reply hole = c.call(FuseOpcode.LSEEK, 0, Args.of().u64(fh).u64(0).u32(LinuxFiles.SEEK_HOLE).u32(0));
    assertEquals(0, hole.error());
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.LSEEK, 0, Args.of().u64(fh).u64(0).u32(1).u32(0)).error());
    long n = c.node(1, "sparse");
    assertEquals(0, c.call(FuseOpcode.ACCESS, n, Args.of().u32(6).u32(0)).error());
    assertEquals(Errno.EACCES, c.call(FuseOpcode.ACCESS, n, Args.of().u32(1).u32(0)).error());
    c.uid = 2000;
    c.gid = 2000;
    assertEquals(Errno.EACCES, c.call(FuseOpcode.ACCESS, n, Args.of().u32(4).u32(0)).error(), "others: 0600");
  }

  @Test
  void forgetReleasesNodesAndIgnoresStrangers() throws IOException {
    Files.writeString(share.resolve("f"), "x");
    long n = c.node(1, "f");
    c.node(1, "f");
    assertEquals(2, server.nodeCount());
    c.forget(n, 1);
    assertEquals(0, c.getattr(n).error(), "one lookup left");
    c.forget(n, 1);
    assertEquals(Errno.ENOENT, c.getattr(n).error(), "released at zero");
    assertEquals(1, server.nodeCount());
    c.forget(987654321, 5);
    c.forget(1, 1000);
    assertEquals(0, c.getattr(1).error(), "the root is never forgotten");
    long a = c.node(1, "f");
    Files.writeString(share.resolve("g"), "y");
    long g = c.node(1, "g");
    Reply batch = c.call(FuseOpcode.BATCH_FORGET, 0, Args.of().u32(3).u32(0).u64(a).u64(1).u64(g).u64(1)
        .u64(123456).u64(1));
    assertEquals(0, batch.used());
    assertEquals(1, server.nodeCount());
    assertNotEquals(a, c.node(1, "f"), "node IDs are never reused");
  }

  @Test
  void tablesAreBounded() throws IOException {
    FuseConfig small = new FuseConfig(false, IdMapping.currentUserAsAgent(), 3, 2, 1 << 16, true, 1);
    for (int i = 0; i < 5; i++) {
      Files.writeString(share.resolve("f" + i), "x");
    }
    try (FuseServer s = FuseServer.open(share, small)) {
      FuseClient k = new FuseClient(s);
      k.init(ALL_FLAGS);
      long f0 = k.node(1, "f0");
      k.node(1, "f1");
      assertEquals(Errno.ENFILE, k.lookup(1, "f2").error());
      assertEquals(Errno.ENFILE, k.create(1, "new", LinuxFiles.O_RDWR, 0600).error());
      assertFalse(Files.exists(share.resolve("new")), "nothing created when the table is full");
      assertEquals(f0, k.node(1, "f0"), "known inodes still resolve");
      k.forget(f0, 2);
      assertEquals(0, k.lookup(1, "f2").error());
      long f2 = k.node(1, "f2");
      long h1 = k.fh(f2, LinuxFiles.O_RDONLY);
      k.fh(f2, LinuxFiles.O_RDONLY);
      assertEquals(Errno.ENFILE, k.open(f2, LinuxFiles.O_RDONLY).error());
      assertEquals(Errno.ENFILE, k.call(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).error());
      k.release(h1);
      assertEquals(0, k.open(f2, LinuxFiles.O_RDONLY).error());
      assertEquals(3, s.nodeCount());
      assertEquals(2, s.handleCount());
      assertEquals(0, k.ok(FuseOpcode.DESTROY, 0, Args.of()).error());
      assertEquals(1, s.nodeCount());
      assertEquals(0, s.handleCount());
    }
  }

  @Test
  void absentFeaturesAnswerEnosys() {
    Files.exists(share);
    for (int op : new int[] {FuseOpcode.GETXATTR, FuseOpcode.LISTXATTR, FuseOpcode.SETXATTR,
        FuseOpcode.REMOVEXATTR, FuseOpcode.GETLK, FuseOpcode.SETLK, FuseOpcode.SETLKW, FuseOpcode.IOCTL,
        FuseOpcode.POLL, FuseOpcode.BMAP, FuseOpcode.INTERRUPT, FuseOpcode.COPY_FILE_RANGE, FuseOpcode.SETUPMAPPING,
        FuseOpcode.REMOVEMAPPING, FuseOpcode.SYNCFS, FuseOpcode.TMPFILE, FuseOpcode.STATX, 7, 19, 53, 4096, -1}) {
      assertEquals(Errno.ENOSYS, c.call(op, 1, Args.of().zeros(16)).error(), "opcode " + op);
    }
  }

  @Test
  void readOnlyShareRefusesEveryChange() throws IOException {
    Files.writeString(share.resolve("f"), "keep");
    Files.createDirectory(share.resolve("d"));
    try (FuseServer s = FuseServer.open(share, FuseConfig.defaults(true))) {
      FuseClient k = new FuseClient(s);
      k.init(ALL_FLAGS);
      long f = k.node(1, "f");
      long fh = k.fh(f, LinuxFiles.O_RDONLY);
      assertEquals("keep", FuseClient.text(k.read(fh, 0, 10).body()));
      assertEquals(Errno.EROFS, k.open(f, LinuxFiles.O_WRONLY).error());
      assertEquals(Errno.EROFS, k.open(f, LinuxFiles.O_RDWR).error());
      assertEquals(Errno.EROFS, k.open(f, LinuxFiles.O_RDONLY | LinuxFiles.O_TRUNC).error());
      assertEquals(Errno.EROFS, k.write(fh, 0, utf8("x")).error());
      assertEquals(Errno.EROFS, k.create(1, "n", LinuxFiles.O_RDWR, 0600).error());
      assertEquals(Errno.EROFS, k.mkdir(1, "n", 0700).error());
      assertEquals(Errno.EROFS, k.mknod(1, "n", 0100600).error());
      assertEquals(Errno.EROFS, k.symlink(1, "n", "f").error());
      assertEquals(Errno.EROFS, k.link(f, 1, "n").error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.UNLINK, 1, Args.of().name("f")).error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.RMDIR, 1, Args.of().name("d")).error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.RENAME, 1, Args.of().u64(1).name("f").name("g")).error());
      assertEquals(Errno.EROFS, k.rename2(1, "f", 1, "g", 0).error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.SETATTR, f, setattr(EntryRequests.FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0))
          .error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.SETATTR, f, setattr(EntryRequests.FATTR_MODE, 0, 0, 0, 0, 0777, 0, 0))
          .error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.FALLOCATE, 0, Args.of().u64(fh).u64(0).u64(10).u32(0).u32(0))
          .error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.SETXATTR, f, Args.of().zeros(16)).error());
      assertEquals(Errno.EROFS, k.call(FuseOpcode.ACCESS, f, Args.of().u32(2).u32(0)).error());
      assertEquals(0, k.call(FuseOpcode.ACCESS, f, Args.of().u32(4).u32(0)).error());
      assertEquals("keep", Files.readString(share.resolve("f")));
      assertTrue(Files.isDirectory(share.resolve("d")));
      try (var list = Files.list(share)) {
        assertEquals(2, list.count(), "nothing new in the share");
      }
    }
  }
}
