package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.ExitCodes;
import dev.sbx.vmm.os.linux.UnixSocket;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VmmVhostUserCommandTest {
  @TempDir Path dir;

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = SbxAccess.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return new Result(cl.execute(args), err.toString());
  }

  private Result vhost(String... extra) {
    String[] args = new String[4 + extra.length];
    args[0] = "vmm";
    args[1] = "vhost-user";
    args[2] = "--socket";
    args[3] = dir.resolve("s.sock").toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    return run(args);
  }

  @Test
  void badDeviceFlagsAreOneLineUsageErrors() throws Exception {
    Result unknown = vhost("--device", "gpu");
    assertEquals(ExitCodes.USAGE, unknown.code());
    assertTrue(unknown.err().startsWith("ERROR: --device gpu is unknown; use blk, fs, vsock or rng"), unknown.err());
    Result noDisk = vhost("--device", "blk");
    assertEquals(ExitCodes.USAGE, noDisk.code());
    assertTrue(noDisk.err().contains("needs exactly one --disk"), noDisk.err());
    Result badShare = vhost("--device", "fs", "--share", "no-equals-sign");
    assertEquals(ExitCodes.USAGE, badShare.code());
    assertTrue(badShare.err().contains("expected TAG=PATH"), badShare.err());
    Result cid = vhost("--device", "vsock", "--vsock", "2");
    assertEquals(ExitCodes.USAGE, cid.code());
    assertTrue(cid.err().contains("reserved"), cid.err());
    assertFalse(Files.exists(dir.resolve("s.sock")), "nothing was left behind");
  }

  @Test
  void misalignedImageIsRefusedWithTheFix() throws Exception {
    Path img = dir.resolve("odd.img");
    Files.write(img, new byte[1000]);
    Result r = vhost("--device", "blk", "--disk", img.toString());
    assertEquals(ExitCodes.FAILURE, r.code());
    assertTrue(r.err().startsWith("ERROR: disk image ") && r.err().contains("truncate -s 1024"), r.err());
  }

  @Test
  void missingShareFolderIsRefusedWithTheFix() {
    Result r = vhost("--device", "fs", "--share", "ws=" + dir.resolve("nope"));
    assertEquals(ExitCodes.FAILURE, r.code());
    assertTrue(r.err().startsWith("ERROR: --share ws=") && r.err().contains("is not an existing folder"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertFalse(Files.exists(dir.resolve("s.sock")), "nothing was left behind");
  }

  @Test
  void servesVirtioFsWithItsTagAndQueues() throws Exception {
    Path sock = dir.resolve("s.sock");
    Path share = Files.createDirectory(dir.resolve("share"));
    CompletableFuture<Result> done = CompletableFuture.supplyAsync(
        () -> vhost("--device", "fs", "--share", "proj=" + share + ",ro"));
    for (int i = 0; i < 500 && !Files.exists(sock); i++) {
      Thread.sleep(10);
    }
    try (UnixSocket fe = UnixSocket.connect(sock)) {
      // GET_QUEUE_NUM: hiprio + one request queue.
      fe.send(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(17).putInt(1).putInt(0).array());
      byte[] queues = new byte[20];
      fe.receiveFully(queues, 0, 20, new ArrayList<>());
      assertEquals(2, ByteBuffer.wrap(queues).order(ByteOrder.LITTLE_ENDIAN).getLong(12));
      // GET_CONFIG of the 40-byte virtio-fs config: tag[36] + num_request_queues.
      fe.send(ByteBuffer.allocate(12 + 12 + 40).order(ByteOrder.LITTLE_ENDIAN).putInt(24).putInt(1).putInt(12 + 40)
          .putInt(0).putInt(40).putInt(0).array());
      byte[] cfg = new byte[12 + 12 + 40];
      fe.receiveFully(cfg, 0, cfg.length, new ArrayList<>());
      ByteBuffer c = ByteBuffer.wrap(cfg).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals("proj", new String(cfg, 24, 4, java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(0, cfg[28], "the tag is NUL-padded");
      assertEquals(1, c.getInt(24 + 36));
    }
    Result r = done.get(30, TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void servesAFrontendUntilItDisconnects() throws Exception {
    Path sock = dir.resolve("s.sock");
    CompletableFuture<Result> done = CompletableFuture.supplyAsync(() -> vhost("--device", "rng"));
    for (int i = 0; i < 500 && !Files.exists(sock); i++) {
      Thread.sleep(10);
    }
    try (UnixSocket fe = UnixSocket.connect(sock)) {
      ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(1).putInt(0);
      fe.send(h.array());
      byte[] reply = new byte[20];
      fe.receiveFully(reply, 0, 20, new ArrayList<>());
      long features = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getLong(12);
      assertTrue((features & (1L << 32)) != 0, "VERSION_1 offered");
    }
    Result r = done.get(30, TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.err());
    assertFalse(Files.exists(sock), "the socket is removed on exit");
  }
}
