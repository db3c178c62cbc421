package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.testing.ByteChain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jazzer harness over FUSE request parsing: each input is a short sequence of requests (opcode,
 * node, header length honest or not, reply buffer size, argument bytes) against one server on a
 * scratch folder. The suite replays the seed corpus in {@code src/test/resources}; a longer run
 * is documented in docs/virtio-fs.md ({@code JAZZER_FUZZ=1}).
 */
class FuseRequestFuzzTest {
  private static Path dir;
  private static FuseServer server;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("fuse-fuzz");
    Files.writeString(dir.resolve("f"), "data");
    Files.createDirectory(dir.resolve("d"));
    Files.createSymbolicLink(dir.resolve("up"), Path.of(".."));
    FuseConfig small = new FuseConfig(false, IdMapping.currentUserAsAgent(), 64, 16, 1 << 16, true, 1);
    server = FuseServer.open(dir, small);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The suite's short run (surefire execution {@code fuse-fuzz}). */
  @FuzzTest(maxDuration = "20s")
  void requests(FuzzedDataProvider data) {
    run(data);
  }

  /** The longer run, selected by hand (docs/virtio-fs.md); in the suite it only replays seeds. */
  @FuzzTest(maxDuration = "30m")
  void requestsLong(FuzzedDataProvider data) {
    run(data);
  }

  private static void run(FuzzedDataProvider data) {
    send(FuseOpcode.INIT, 0, ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(38)
        .putInt(0).putInt(-1).array(), true, 4096);
    for (int i = 0; i < 8 && data.remainingBytes() > 0; i++) {
      int opcode = data.consumeInt(0, 53);
      if (opcode == FuseOpcode.FALLOCATE) {
        // Preallocation really takes disk space; its parsing is covered by the unit tests.
        opcode = FuseOpcode.LSEEK;
      }
      long nodeId = data.consumeLong(0, 70);
      boolean honest = data.consumeBoolean();
      int outCap = data.consumeInt(0, 1 << 17);
      byte[] args = data.consumeBytes(data.consumeInt(0, 600));
      send(opcode, nodeId, args, honest, outCap);
    }
    assertTrue(server.nodeCount() <= 64, "node table bound");
    assertTrue(server.handleCount() <= 16, "handle table bound");
  }

  private static void send(int opcode, long nodeId, byte[] args, boolean honest, int outCap) {
    ByteBuffer b = ByteBuffer.allocate(40 + args.length).order(ByteOrder.LITTLE_ENDIAN);
    int len = honest ? 40 + args.length : (args.length > 4 ? ByteBuffer.wrap(args).getInt() : 3);
    b.putInt(len).putInt(opcode).putLong(1).putLong(nodeId).putInt(1000).putInt(1000).putInt(1)
        .putShort((short) 0).putShort((short) 0).put(args);
    ByteChain.Writer w = new ByteChain.Writer(outCap);
    int used = server.handle(new ByteChain.Reader(b.array()), w);
    assertEquals(w.written(), used);
    if (used > 0) {
      ByteBuffer out = ByteBuffer.wrap(w.bytes()).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(used, out.getInt(0), "header length is the used length");
      int error = out.getInt(4);
      assertTrue(error <= 0 && error > -4096, "error is a negated errno");
      assertTrue(error == 0 || used == 16, "errors carry no payload");
    }
  }
}
