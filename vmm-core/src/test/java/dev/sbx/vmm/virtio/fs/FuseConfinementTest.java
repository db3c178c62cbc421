package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way out of the share we could think of; each must fail and leave the outside untouched. */
class FuseConfinementTest {
  @TempDir Path tmp;
  Path share;
  Path outside;
  Path secret;
  FuseServer server;
  FuseClient c;

  @BeforeEach
  void start() throws IOException {
    share = Files.createDirectory(tmp.resolve("share"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    secret = Files.writeString(outside.resolve("secret"), "top secret");
    server = FuseServer.open(share, FuseConfig.defaults(false));
    c = new FuseClient(server);
    assertEquals(0, c.init(FuseServerTest.ALL_FLAGS).error());
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    assertEquals("top secret", Files.readString(secret), "the outside file is untouched");
    try (var list = Files.list(outside)) {
      assertEquals(List.of(secret), list.toList(), "nothing appeared outside");
    }
  }

  @Test
  void dotDotAtTheRootStaysAtTheRoot() throws IOException {
    assertEquals(1, c.node(1, ".."));
    assertEquals(1, c.node(1, "."));
    Files.createDirectories(share.resolve("a/b"));
    long a = c.node(1, "a");
    long b = c.node(a, "b");
    assertEquals(a, c.node(b, ".."));
    assertEquals(1, c.node(c.node(b, ".."), ".."));
    long up = 1;
    for (int i = 0; i < 20; i++) {
      up = c.node(up, "..");
    }
    assertEquals(1, up, "'..' chains end at the root");
    assertEquals(Errno.ENOENT, c.lookup(1, "outside").error());
  }

  @Test
  void namesThatAreNotOneComponentAreRefused() {
    for (String bad : List.of("../outside", "../outside/secret", "a/b", "/", "/etc/passwd", "..//..", "x/")) {
      assertEquals(Errno.EINVAL, c.lookup(1, bad).error(), bad);
      assertEquals(Errno.EINVAL, c.create(1, bad, LinuxFiles.O_RDWR, 0600).error(), bad);
      assertEquals(Errno.EINVAL, c.mkdir(1, bad, 0700).error(), bad);
      assertEquals(Errno.EINVAL, c.symlink(1, bad, "x").error(), bad);
      assertEquals(Errno.EINVAL, c.rename2(1, "x", 1, bad, 0).error(), bad);
    }
    assertEquals(Errno.EINVAL, c.lookup(1, "").error(), "empty name");
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.LOOKUP, 1, "abc".getBytes(StandardCharsets.US_ASCII)).error(),
        "not NUL-terminated");
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.LOOKUP, 1, "a\0b\0".getBytes(StandardCharsets.US_ASCII)).error(),
        "NUL inside the name");
    assertEquals(Errno.ENAMETOOLONG, c.lookup(1, "x".repeat(256)).error());
    assertEquals(Errno.ENAMETOOLONG, c.create(1, "x".repeat(300), LinuxFiles.O_RDWR, 0600).error());
    assertEquals(Errno.ENOENT, c.lookup(1, "x".repeat(255)).error(), "255 bytes is a legal name");
    for (String dots : List.of(".", "..")) {
      assertEquals(Errno.EINVAL, c.mkdir(1, dots, 0700).error());
      assertEquals(Errno.EINVAL, c.call(FuseOpcode.RMDIR, 1, Args.of().name(dots)).error());
      assertEquals(Errno.EINVAL, c.call(FuseOpcode.UNLINK, 1, Args.of().name(dots)).error());
      assertEquals(Errno.EINVAL, c.rename2(1, dots, 1, "z", 0).error());
    }
  }

  @Test
  void symlinksPointingOutsideAreNeverFollowed() throws IOException {
    Files.createSymbolicLink(share.resolve("abs"), outside);
    Files.createSymbolicLink(share.resolve("rel"), Path.of("../outside"));
    Files.createSymbolicLink(share.resolve("absfile"), secret);
    Files.createSymbolicLink(share.resolve("relfile"), Path.of("../outside/secret"));
    Files.createSymbolicLink(share.resolve("dangling"), outside.resolve("new-file"));
    for (String name : List.of("abs", "rel", "absfile", "relfile", "dangling")) {
      Reply e = c.lookup(1, name);
      assertEquals(0, e.error());
      assertEquals(LinuxFiles.S_IFLNK, e.entryAttrInt(FuseClient.ATTR_MODE) & LinuxFiles.S_IFMT, name);
      long n = e.nodeId();
      assertEquals(Errno.ENOTDIR, c.lookup(n, "secret").error(), name + " is not a directory to the host");
      assertEquals(Errno.ELOOP, c.open(n, LinuxFiles.O_RDONLY).error());
      assertEquals(Errno.ELOOP, c.open(n, LinuxFiles.O_RDWR | LinuxFiles.O_TRUNC).error());
      assertEquals(Errno.ENOTDIR, c.create(n, "new-file", LinuxFiles.O_RDWR, 0600).error());
      assertEquals(Errno.ENOTDIR, c.mkdir(n, "new-dir", 0700).error());
      assertEquals(Errno.ENOTDIR, c.mknod(n, "new-file", 0100600).error());
      assertEquals(Errno.ENOTDIR, c.symlink(n, "new-link", "x").error());
      assertEquals(Errno.ENOTDIR, c.call(FuseOpcode.UNLINK, n, Args.of().name("secret")).error());
      assertEquals(Errno.ENOTDIR, c.call(FuseOpcode.OPENDIR, n, Args.of().u32(0).u32(0)).error());
      assertEquals(Errno.ENOTDIR, c.rename2(1, "x", n, "secret", 0).error());
      assertEquals(Errno.ENOTDIR, c.rename2(n, "secret", 1, "stolen", 0).error());
      assertEquals(Errno.EINVAL, c.call(FuseOpcode.SETATTR, n,
          FuseServerTest.setattr(EntryRequests.FATTR_SIZE, 0, 0, 0, 0, 0, 0, 0)).error());
      assertEquals(Errno.EOPNOTSUPP, c.call(FuseOpcode.SETATTR, n,
          FuseServerTest.setattr(EntryRequests.FATTR_MODE, 0, 0, 0, 0, 0777, 0, 0)).error());
    }
    // The guest resolves symlinks itself: the target comes back verbatim.
    assertEquals(outside.toString(),
        FuseClient.text(c.ok(FuseOpcode.READLINK, c.node(1, "abs"), Args.of()).body()));
    assertEquals("../outside/secret",
        FuseClient.text(c.ok(FuseOpcode.READLINK, c.node(1, "relfile"), Args.of()).body()));
    // Creating over a symlink's name never creates its target.
    assertEquals(Errno.ELOOP, c.create(1, "dangling", LinuxFiles.O_RDWR, 0600).error());
    assertEquals(Errno.EEXIST, c.create(1, "dangling", LinuxFiles.O_RDWR | LinuxFiles.O_EXCL, 0600).error());
    assertEquals(Errno.ELOOP, c.create(1, "absfile", LinuxFiles.O_WRONLY | LinuxFiles.O_TRUNC, 0600).error());
    assertEquals(Errno.EEXIST, c.mkdir(1, "dangling", 0700).error());
    assertEquals(Errno.EEXIST, c.mknod(1, "dangling", 0100600).error());
    // Renaming or unlinking a symlink acts on the link, not its target.
    assertEquals(0, c.rename2(1, "absfile", 1, "moved", 0).error());
    assertTrue(Files.isSymbolicLink(share.resolve("moved")));
    assertEquals(0, c.call(FuseOpcode.UNLINK, 1, Args.of().name("moved")).error());
    // A symlink created by the guest may point anywhere; it stays a symlink on the host.
    assertEquals(0, c.symlink(1, "mine", secret.toString()).error());
    assertEquals(Errno.ELOOP, c.open(c.node(1, "mine"), LinuxFiles.O_RDWR).error());
    // Hard-linking a symlink copies the link, not the outside file.
    assertEquals(0, c.link(c.node(1, "relfile"), 1, "relfile2").error());
    assertTrue(Files.isSymbolicLink(share.resolve("relfile2")));
    assertEquals(1, Files.getAttribute(secret, "unix:nlink"));
  }

  @Test
  void swappingAFileForASymlinkAfterLookupDoesNotRedirectOpen() throws IOException {
    Files.writeString(share.resolve("f"), "inside");
    long n = c.node(1, "f");
    Files.move(share.resolve("f"), share.resolve("f.orig"));
    Files.createSymbolicLink(share.resolve("f"), secret);
    long fh = c.fh(n, LinuxFiles.O_RDWR);
    assertEquals("inside", FuseClient.text(c.read(fh, 0, 100).body()), "the looked-up inode, not the new name");
    assertEquals(0, c.write(fh, 0, "INSIDE".getBytes(StandardCharsets.UTF_8)).error());
    assertEquals("INSIDE", Files.readString(share.resolve("f.orig")));
    assertEquals(0, c.call(FuseOpcode.SETATTR, n, FuseServerTest.setattr(EntryRequests.FATTR_SIZE | EntryRequests.FATTR_MODE,
        0, 2, 0, 0, 0600, 0, 0)).error());
    assertEquals("IN", Files.readString(share.resolve("f.orig")));
    // A fresh lookup of the name now finds the symlink, which cannot be opened.
    long again = c.node(1, "f");
    assertNotEquals(n, again);
    assertEquals(Errno.ELOOP, c.open(again, LinuxFiles.O_RDONLY).error());
  }

  @Test
  void swappingADirectoryForASymlinkDoesNotRedirectCreates() throws IOException {
    Files.createDirectory(share.resolve("d"));
    long d = c.node(1, "d");
    Files.move(share.resolve("d"), share.resolve("d.orig"));
    Files.createSymbolicLink(share.resolve("d"), outside);
    assertEquals(0, c.create(d, "secret", LinuxFiles.O_RDWR | LinuxFiles.O_TRUNC, 0600).error());
    assertEquals(0, c.mkdir(d, "sub", 0700).error());
    assertEquals(0, c.symlink(d, "ln", "x").error());
    assertTrue(Files.exists(share.resolve("d.orig/secret")));
    assertTrue(Files.isDirectory(share.resolve("d.orig/sub")));
  }

  @Test
  void dotDotOfADirectoryMovedOutOfTheShareIsRefused() throws IOException {
    Files.createDirectories(share.resolve("d/e"));
    long d = c.node(1, "d");
    long e = c.node(d, "e");
    Path away = tmp.resolve("away");
    Files.move(share.resolve("d"), away);
    try {
      assertEquals(Errno.ENOENT, c.lookup(e, "..").error(), "d is outside the share now");
      assertEquals(Errno.ENOENT, c.lookup(d, "..").error(), "so is d's parent");
    } finally {
      Files.move(away, share.resolve("d"));
    }
  }

  @Test
  void hardLinksStayInsideTheShare() throws IOException {
    Path hl = share.resolve("hl");
    Files.createLink(hl, secret); // made by the host user: the documented exception
    long n = c.node(1, "hl");
    assertEquals("top secret", FuseClient.text(c.read(c.fh(n, LinuxFiles.O_RDONLY), 0, 100).body()),
        "a hard link present in the share is the share's");
    assertEquals(0, c.link(n, 1, "hl2").error(), "new names for it land inside the share");
    assertTrue(Files.isSameFile(share.resolve("hl2"), secret));
    assertEquals(0, c.call(FuseOpcode.UNLINK, 1, Args.of().name("hl2")).error());
    assertEquals(Errno.ENOENT, c.link(987654, 1, "x").error(), "forged source node");
    assertEquals(Errno.ENOENT, c.link(n, 987654, "x").error(), "forged target directory");
    assertEquals(Errno.EINVAL, c.link(n, 1, "../x").error());
    assertEquals(Errno.ENOTDIR, c.link(n, n, "x").error());
    Files.delete(hl);
    assertEquals(1, Files.getAttribute(secret, "unix:nlink"));
  }

  @Test
  void renameCannotCrossTheBoundary() throws IOException {
    Files.writeString(share.resolve("a"), "a");
    assertEquals(Errno.EINVAL, c.rename2(1, "a", 1, "../outside/a", 0).error());
    assertEquals(Errno.ENOENT, c.rename2(1, "a", 424242, "a", 0).error());
    assertEquals(Errno.ENOENT, c.rename2(424242, "secret", 1, "b", 0).error());
    assertEquals(Errno.EINVAL, c.rename2(1, "a", 1, "..", 0).error());
    assertEquals(Errno.ENOTDIR, c.rename2(1, "a", c.node(1, "a"), "x", 0).error());
    assertTrue(Files.exists(share.resolve("a")));
  }

  @Test
  void forgedNodeIdsAndHandlesFindNothing() throws IOException {
    Files.writeString(share.resolve("f"), "x");
    long f = c.node(1, "f");
    for (long id : new long[] {0, 2 + f, 0xdeadbeefL, -1L, Long.MIN_VALUE}) {
      assertEquals(Errno.ENOENT, c.getattr(id).error());
      assertEquals(Errno.ENOENT, c.lookup(id, "f").error());
      assertEquals(Errno.ENOENT, c.open(id, LinuxFiles.O_RDONLY).error());
      assertEquals(Errno.ENOENT, c.call(FuseOpcode.STATFS, id, Args.of()).error());
      assertEquals(Errno.ENOENT, c.call(FuseOpcode.READLINK, id, Args.of()).error());
    }
    long fh = c.fh(f, LinuxFiles.O_RDWR);
    long dh = c.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).fh(0);
    for (long bad : new long[] {0, fh + dh + 1, -1L, 0x7fffffffffffffffL}) {
      assertEquals(Errno.EBADF, c.read(bad, 0, 10).error());
      assertEquals(Errno.EBADF, c.write(bad, 0, new byte[1]).error());
      assertEquals(Errno.EBADF, c.call(FuseOpcode.READDIR, 1, FuseServerTest.readIn(bad, 0, 4096)).error());
      assertEquals(Errno.EBADF, c.call(FuseOpcode.FSYNC, 0, Args.of().u64(bad).u32(0).u32(0)).error());
      assertEquals(0, c.release(bad).error(), "releasing nothing is harmless");
    }
    assertEquals(Errno.EBADF, c.read(dh, 0, 10).error(), "a directory handle is not a file handle");
    assertEquals(Errno.EBADF, c.call(FuseOpcode.READDIR, 1, FuseServerTest.readIn(fh, 0, 4096)).error());
    assertEquals(Errno.EBADF, c.call(FuseOpcode.FSYNCDIR, 1, Args.of().u64(fh).u32(0).u32(0)).error());
    c.call(FuseOpcode.RELEASEDIR, 1, Args.of().u64(fh).u32(0).u32(0).u64(0));
    assertEquals(0, c.read(fh, 0, 10).error(), "RELEASEDIR of a file handle does not close it");
    assertEquals(2, server.handleCount());
    assertEquals(Errno.EINVAL, c.read(fh, -5, 10).error(), "negative offset");
  }

  @Test
  void deviceNodesAndSocketsCannotBeCreated() {
    assertEquals(Errno.EPERM, c.mknod(1, "null", 0020666).error());
    assertEquals(Errno.EPERM, c.mknod(1, "sda", 0060600).error());
    assertEquals(Errno.EPERM, c.mknod(1, "sock", 0140600).error());
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.CREATE, 1,
        Args.of().u32(LinuxFiles.O_RDWR).u32(0020666).u32(0).u32(0).name("dev")).error());
    assertFalse(Files.exists(share.resolve("null")));
    assertFalse(Files.exists(share.resolve("dev")));
  }

  @Test
  void theGuestCannotPlantSetuidPrograms() throws IOException {
    Reply f = c.create(1, "suid", LinuxFiles.O_RDWR, 06755);
    assertEquals(0, f.error());
    assertEquals(0755, mode(share.resolve("suid")), "set-user-ID and set-group-ID dropped on create");
    long n = f.nodeId();
    assertEquals(0, c.call(FuseOpcode.SETATTR, n,
        FuseServerTest.setattr(EntryRequests.FATTR_MODE, 0, 0, 0, 0, 04755, 0, 0)).error());
    assertEquals(0755, mode(share.resolve("suid")), "and on chmod");
    assertEquals(0, c.mknod(1, "suid2", 0106700).error());
    assertEquals(0700, mode(share.resolve("suid2")));
    assertEquals(0, c.mkdir(1, "dir", 02775).error());
    assertEquals(02775, mode(share.resolve("dir")), "set-group-ID stays on directories");
  }

  static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
  }

  @Test
  void fifosAreNeverOpenedByTheServer() throws IOException {
    assertEquals(0, c.mknod(1, "fifo", 0010600).error());
    long n = c.node(1, "fifo");
    assertEquals(Errno.ENXIO, c.open(n, LinuxFiles.O_RDONLY).error(), "would block without a writer");
    assertEquals(Errno.ENXIO, c.open(n, LinuxFiles.O_WRONLY).error());
    assertEquals(Errno.ENXIO, c.create(1, "fifo", LinuxFiles.O_WRONLY, 0600).error(),
        "CREATE over a FIFO fails instead of blocking");
    assertEquals(Errno.ENXIO, c.create(1, "fifo", LinuxFiles.O_RDONLY, 0600).error());
    assertEquals(0, server.handleCount());
  }
}
