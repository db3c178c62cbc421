package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.testing.ByteChain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Plays the guest kernel's FUSE client against a server, one request at a time. */
final class FuseClient {
  static final int ATTR_MODE = 60;
  static final int ATTR_SIZE = 8;
  static final int ATTR_UID = 68;
  static final int ATTR_GID = 72;
  static final int ATTR_MTIME = 32;
  static final int ATTR_NLINK = 64;
  static final long ROOT = 1;

  final FuseServer server;
  private long unique = 100;
  int uid = 1000;
  int gid = 1000;
  int outCapacity = (1 << 20) + 4096;

  FuseClient(FuseServer server) {
    this.server = server;
  }

  /** A whole request with an honest header. */
  static byte[] request(int opcode, long nodeId, long unique, int uid, int gid, byte[] args) {
    ByteBuffer b = ByteBuffer.allocate(40 + args.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(40 + args.length).putInt(opcode).putLong(unique).putLong(nodeId).putInt(uid).putInt(gid)
        .putInt(42).putShort((short) 0).putShort((short) 0).put(args);
    return b.array();
  }

  Reply raw(byte[] request, int outCap) {
    ByteChain.Writer w = new ByteChain.Writer(outCap);
    int used = server.handle(new ByteChain.Reader(request), w);
    assertEquals(w.written(), used, "handle() returns the used length");
    Reply r = Reply.parse(w.bytes());
    if (used > 0) {
      assertEquals(used, r.len(), "out header length matches the bytes written");
    }
    return r;
  }

  Reply call(int opcode, long nodeId, byte[] args) {
    long u = unique++;
    Reply r = raw(request(opcode, nodeId, u, uid, gid, args), outCapacity);
    if (r.used() > 0) {
      assertEquals(u, r.unique(), "reply echoes unique");
    }
    return r;
  }

  Reply call(int opcode, long nodeId, Args args) {
    return call(opcode, nodeId, args.build());
  }

  Reply ok(int opcode, long nodeId, Args args) {
    Reply r = call(opcode, nodeId, args);
    assertEquals(0, r.error(), "errno of opcode " + opcode);
    return r;
  }

  Reply init(int flags) {
    return call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(38).u32(128 * 1024).u32(flags).u32(0).zeros(44));
  }

  Reply lookup(long parent, String name) {
    return call(FuseOpcode.LOOKUP, parent, Args.of().name(name));
  }

  long node(long parent, String name) {
    Reply r = lookup(parent, name);
    assertEquals(0, r.error(), "lookup " + name);
    return r.nodeId();
  }

  Reply getattr(long node) {
    return call(FuseOpcode.GETATTR, node, Args.of().u32(0).u32(0).u64(0));
  }

  Reply open(long node, int flags) {
    return call(FuseOpcode.OPEN, node, Args.of().u32(flags).u32(0));
  }

  long fh(long node, int flags) {
    Reply r = open(node, flags);
    assertEquals(0, r.error(), "open");
    return r.fh(0);
  }

  Reply create(long parent, String name, int flags, int mode) {
    return call(FuseOpcode.CREATE, parent, Args.of().u32(flags).u32(0100000 | mode).u32(022).u32(0).name(name));
  }

  Reply mkdir(long parent, String name, int mode) {
    return call(FuseOpcode.MKDIR, parent, Args.of().u32(mode).u32(022).name(name));
  }

  Reply mknod(long parent, String name, int mode) {
    return call(FuseOpcode.MKNOD, parent, Args.of().u32(mode).u32(0).u32(022).u32(0).name(name));
  }

  Reply symlink(long parent, String name, String target) {
    return call(FuseOpcode.SYMLINK, parent, Args.of().name(name).name(target));
  }

  Reply link(long oldNode, long newParent, String name) {
    return call(FuseOpcode.LINK, newParent, Args.of().u64(oldNode).name(name));
  }

  Reply rename2(long parent, String from, long newParent, String to, int flags) {
    return call(FuseOpcode.RENAME2, parent, Args.of().u64(newParent).u32(flags).u32(0).name(from).name(to));
  }

  Reply read(long fh, long offset, int size) {
    return call(FuseOpcode.READ, 0, Args.of().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0));
  }

  Reply write(long fh, long offset, byte[] data) {
    return call(FuseOpcode.WRITE, 0, Args.of().u64(fh).u64(offset).u32(data.length).u32(0).u64(0).u32(0).u32(0)
        .bytes(data));
  }

  Reply release(long fh) {
    return call(FuseOpcode.RELEASE, 0, Args.of().u64(fh).u32(0).u32(0).u64(0));
  }

  void forget(long node, long n) {
    Reply r = call(FuseOpcode.FORGET, node, Args.of().u64(n));
    assertEquals(0, r.used(), "FORGET has no reply");
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
