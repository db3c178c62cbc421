package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short, long and inconsistent requests for every opcode: EINVAL, no side effect, no exception. */
class FuseMalformedRequestTest {
  @TempDir Path tmp;
  Path share;
  FuseServer server;
  FuseClient c;
  long node;
  long fh;
  long dh;

  record Template(String what, int opcode, long nodeId, byte[] args) {}

  @BeforeEach
  void start() throws IOException {
    share = Files.createDirectory(tmp.resolve("share"));
    Files.writeString(share.resolve("f"), "data");
    server = FuseServer.open(share, FuseConfig.defaults(false));
    c = new FuseClient(server);
    c.init(FuseServerTest.ALL_FLAGS);
    node = c.node(1, "f");
    fh = c.fh(node, LinuxFiles.O_RDWR);
    dh = c.ok(FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0)).fh(0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  List<Template> templates() {
    return List.of(
        new Template("LOOKUP", FuseOpcode.LOOKUP, 1, Args.of().name("f").build()),
        new Template("GETATTR", FuseOpcode.GETATTR, node, Args.of().u32(0).u32(0).u64(0).build()),
        new Template("SETATTR", FuseOpcode.SETATTR, node,
            FuseServerTest.setattr(EntryRequests.FATTR_MODE, 0, 0, 0, 0, 0600, 0, 0).build()),
        new Template("READLINK", FuseOpcode.READLINK, node, new byte[0]),
        new Template("SYMLINK", FuseOpcode.SYMLINK, 1, Args.of().name("s").name("t").build()),
        new Template("MKNOD", FuseOpcode.MKNOD, 1, Args.of().u32(0100600).u32(0).u32(0).u32(0).name("m").build()),
        new Template("MKDIR", FuseOpcode.MKDIR, 1, Args.of().u32(0700).u32(0).name("d").build()),
        new Template("UNLINK", FuseOpcode.UNLINK, 1, Args.of().name("f").build()),
        new Template("RMDIR", FuseOpcode.RMDIR, 1, Args.of().name("f").build()),
        new Template("RENAME", FuseOpcode.RENAME, 1, Args.of().u64(1).name("f").name("g").build()),
        new Template("RENAME2", FuseOpcode.RENAME2, 1, Args.of().u64(1).u32(0).u32(0).name("f").name("g").build()),
        new Template("LINK", FuseOpcode.LINK, 1, Args.of().u64(node).name("l").build()),
        new Template("OPEN", FuseOpcode.OPEN, node, Args.of().u32(0).u32(0).build()),
        new Template("READ", FuseOpcode.READ, node, FuseServerTest.readIn(fh, 0, 10).build()),
        new Template("STATFS", FuseOpcode.STATFS, 1, new byte[0]),
        new Template("RELEASE", FuseOpcode.RELEASE, node, Args.of().u64(fh).u32(0).u32(0).u64(0).build()),
        new Template("FSYNC", FuseOpcode.FSYNC, node, Args.of().u64(fh).u32(0).u32(0).build()),
        new Template("FLUSH", FuseOpcode.FLUSH, node, Args.of().u64(fh).u32(0).u32(0).u64(0).build()),
        new Template("OPENDIR", FuseOpcode.OPENDIR, 1, Args.of().u32(0).u32(0).build()),
        new Template("READDIR", FuseOpcode.READDIR, 1, FuseServerTest.readIn(dh, 0, 4096).build()),
        new Template("READDIRPLUS", FuseOpcode.READDIRPLUS, 1, FuseServerTest.readIn(dh, 0, 4096).build()),
        new Template("RELEASEDIR", FuseOpcode.RELEASEDIR, 1, Args.of().u64(dh).u32(0).u32(0).u64(0).build()),
        new Template("FSYNCDIR", FuseOpcode.FSYNCDIR, 1, Args.of().u64(dh).u32(0).u32(0).build()),
        new Template("ACCESS", FuseOpcode.ACCESS, node, Args.of().u32(4).u32(0).build()),
        new Template("CREATE", FuseOpcode.CREATE, 1,
            Args.of().u32(LinuxFiles.O_RDWR).u32(0100600).u32(0).u32(0).name("c").build()),
        new Template("FALLOCATE", FuseOpcode.FALLOCATE, node, Args.of().u64(fh).u64(0).u64(10).u32(0).u32(0).build()),
        new Template("LSEEK", FuseOpcode.LSEEK, node,
            Args.of().u64(fh).u64(0).u32(LinuxFiles.SEEK_DATA).u32(0).build()),
        new Template("DESTROY", FuseOpcode.DESTROY, 0, new byte[0]));
  }

  Set<String> listing() throws IOException {
    try (var s = Files.list(share)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  void assertUnchanged(String what, Set<String> before) throws IOException {
    assertEquals(before, listing(), what + ": nothing created or removed");
    assertEquals(2, server.nodeCount(), what + ": no node taken");
    assertEquals(2, server.handleCount(), what + ": no handle opened or released");
    assertEquals("data", Files.readString(share.resolve("f")), what);
    assertEquals(0644, (Integer) Files.getAttribute(share.resolve("f"), "unix:mode") & 0777, what);
  }

  @Test
  void everyOpcodeRefusesShortAndLongArguments() throws IOException {
    Set<String> before = listing();
    for (Template t : templates()) {
      byte[] a = t.args();
      for (int cut : new int[] {1, 4, 8, a.length}) {
        if (cut <= a.length && cut > 0) {
          Reply r = c.call(t.opcode(), t.nodeId(), Arrays.copyOf(a, a.length - cut));
          assertEquals(Errno.EINVAL, r.error(), t.what() + " cut by " + cut);
          assertUnchanged(t.what() + " cut by " + cut, before);
        }
      }
      for (int extra : new int[] {1, 8, 4096}) {
        Reply r = c.call(t.opcode(), t.nodeId(), Arrays.copyOf(a, a.length + extra));
        assertEquals(Errno.EINVAL, r.error(), t.what() + " with " + extra + " extra bytes");
        assertUnchanged(t.what() + " with " + extra + " extra bytes", before);
      }
      Reply huge = c.call(t.opcode(), t.nodeId(), Arrays.copyOf(a, FuseServer.MAX_ARGS + 1));
      assertEquals(Errno.EINVAL, huge.error(), t.what() + " oversize");
    }
  }

  @Test
  void writeLengthsMustAgree() throws IOException {
    Set<String> before = listing();
    byte[] base = Args.of().u64(fh).u64(0).u32(4).u32(0).u64(0).u32(0).u32(0).bytes(new byte[] {1, 2, 3, 4}).build();
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.WRITE, node, Arrays.copyOf(base, base.length - 1)).error());
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.WRITE, node, Arrays.copyOf(base, base.length + 1)).error());
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.WRITE, node, Arrays.copyOf(base, 39)).error());
    byte[] lying = base.clone();
    lying[16] = (byte) 0xff; // size field far beyond the data
    lying[19] = (byte) 0x7f;
    assertEquals(Errno.EINVAL, c.call(FuseOpcode.WRITE, node, lying).error());
    assertUnchanged("WRITE", before);
  }

  @Test
  void initArgumentsAreChecked() throws IOException {
    try (FuseServer s = FuseServer.open(share, FuseConfig.defaults(false))) {
      FuseClient k = new FuseClient(s);
      assertEquals(Errno.EINVAL, k.call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(38).u32(0)).error());
      assertEquals(Errno.EINVAL, k.call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(38).u32(0).u32(0).zeros(49)).error());
      assertEquals(Errno.EPROTO, k.call(FuseOpcode.INIT, 0, Args.of().u32(6).u32(38).u32(0).u32(0)).error());
      Reply newer = k.call(FuseOpcode.INIT, 0, Args.of().u32(8).u32(0).u32(0).u32(0));
      assertEquals(0, newer.error());
      assertEquals(7, newer.buf().getInt(0), "a newer major is answered with ours");
      assertEquals(Errno.EIO, k.getattr(1).error(), "still not initialised");
    }
  }

  static byte[] header(int len, int opcode, long unique, long nodeId, int extLen) {
    return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putInt(len).putInt(opcode).putLong(unique)
        .putLong(nodeId).putInt(0).putInt(0).putInt(0).putShort((short) extLen).putShort((short) 0).array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void brokenHeadersAreAnsweredWithEinval() throws IOException {
    Set<String> before = listing();
    byte[] name = Args.of().name("f").build();
    Reply shortChain = c.raw(new byte[39], 4096);
    assertEquals(Errno.EINVAL, shortChain.error());
    assertEquals(0, shortChain.unique());
    assertEquals(Errno.EINVAL, c.raw(concat(header(39, FuseOpcode.LOOKUP, 7, 1, 0), name), 4096).error(),
        "len below the header");
    assertEquals(Errno.EINVAL, c.raw(concat(header(40 + name.length + 1, FuseOpcode.LOOKUP, 7, 1, 0), name), 4096)
        .error(), "len past the chain");
    assertEquals(Errno.EINVAL, c.raw(concat(header(-1, FuseOpcode.LOOKUP, 7, 1, 0), name), 4096).error());
    assertEquals(Errno.EINVAL, c.raw(concat(header(40 + name.length, FuseOpcode.LOOKUP, 7, 1, 1), name), 4096)
        .error(), "extensions were never negotiated");
    Reply ok = c.raw(concat(header(40 + name.length, FuseOpcode.LOOKUP, 7, 1, 0), concat(name, new byte[8])), 4096);
    assertEquals(0, ok.error(), "bytes past len are not part of the request");
    c.forget(ok.nodeId(), 1);
    assertUnchanged("headers", before);
  }

  @Test
  void tooSmallReplyBuffersCauseNoSideEffects() throws IOException {
    Set<String> before = listing();
    byte[] lookup = FuseClient.request(FuseOpcode.LOOKUP, 1, 9, 0, 0, Args.of().name("f").build());
    assertEquals(0, c.raw(lookup, 15).used(), "no room even for an error header");
    Reply r = c.raw(lookup, 16 + 127);
    assertEquals(Errno.EINVAL, r.error());
    byte[] create = FuseClient.request(FuseOpcode.CREATE, 1, 9, 0, 0,
        Args.of().u32(LinuxFiles.O_RDWR).u32(0100600).u32(0).u32(0).name("c").build());
    assertEquals(Errno.EINVAL, c.raw(create, 16 + 128).error());
    byte[] mkdir = FuseClient.request(FuseOpcode.MKDIR, 1, 9, 0, 0, Args.of().u32(0700).u32(0).name("d").build());
    assertEquals(Errno.EINVAL, c.raw(mkdir, 16 + 100).error());
    byte[] open = FuseClient.request(FuseOpcode.OPEN, node, 9, 0, 0, Args.of().u32(0).u32(0).build());
    assertEquals(Errno.EINVAL, c.raw(open, 16 + 15).error());
    assertUnchanged("small buffers", before);
  }

  @Test
  void malformedForgetsAreDropped() throws IOException {
    Set<String> before = listing();
    assertEquals(0, c.call(FuseOpcode.FORGET, node, Args.of().u32(1)).used());
    assertEquals(0, c.call(FuseOpcode.FORGET, node, Args.of().u64(1).u32(0)).used());
    assertEquals(0, c.call(FuseOpcode.BATCH_FORGET, 0, Args.of().u32(0xffffffffL).u32(0).u64(node).u64(1)).used());
    assertEquals(0, c.call(FuseOpcode.BATCH_FORGET, 0, Args.of().u32(2).u32(0).u64(node).u64(1)).used());
    assertEquals(0, c.call(FuseOpcode.BATCH_FORGET, 0, Args.of().u32(1)).used());
    assertUnchanged("forgets", before);
  }

  @Test
  void seededRandomRequestsNeverEscapeAsExceptions() throws IOException {
    java.util.Random rnd = new java.util.Random(1234);
    for (int i = 0; i < 20000; i++) {
      byte[] req = new byte[rnd.nextInt(200)];
      rnd.nextBytes(req);
      if (req.length >= 40 && rnd.nextBoolean()) {
        ByteBuffer b = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, req.length);
        b.putInt(4, rnd.nextInt(60));
        b.putLong(16, rnd.nextInt(4));
        b.putShort(36, (short) 0);
      }
      Reply r = c.raw(req, rnd.nextInt(400));
      assertTrue(r.used() == 0 || r.len() == r.used());
    }
    assertTrue(server.nodeCount() <= 65536);
  }
}
