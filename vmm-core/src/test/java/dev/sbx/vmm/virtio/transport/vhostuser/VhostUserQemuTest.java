package dev.sbx.vmm.virtio.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.testing.Initramfs;
import dev.sbx.vmm.testing.QemuGuest;
import dev.sbx.vmm.testing.TestKernel;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.block.BlockDevice;
import dev.sbx.vmm.virtio.rng.RngDevice;
import dev.sbx.vmm.virtio.vsock.VsockDevice;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our devices against real Linux drivers: a Debian kernel under {@code qemu-system-x86_64 -M
 * microvm -accel tcg} with {@code vhost-user-blk} (twice, one read-only), {@code vhost-user-rng}
 * and {@code vhost-user-vsock-device} served by this JVM. One boot; each test checks one device.
 * Needs qemu-system-x86, busybox-static, cpio, gcc (static vsock tool) and, the first time, apt
 * access for the kernel package (cached in ~/.cache/sbx/test-kernel).
 */
@Tag("device")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VhostUserQemuTest {
  private static final int MIB = 1 << 20;
  private static final int VSOCK_BYTES = 4 * MIB;
  private static final long CID = 3;

  @TempDir static Path dir;
  private final List<VhostUserServer> servers = new ArrayList<>();
  private final List<VirtioDevice> devices = new ArrayList<>();
  private QemuGuest guest;
  private Path disk;
  private byte[] firstMib;
  private long blocksBefore;
  private final CompletableFuture<Long> guestToHost = new CompletableFuture<>();
  private final CompletableFuture<String> hostToGuest = new CompletableFuture<>();
  private int exitCode;

  private static byte pattern(long i) {
    return (byte) ((i * 7 + (i >> 11)) & 0xff);
  }

  @BeforeAll
  void boot() throws Exception {
    TestKernel kernel = TestKernel.get();
    Path vsockt = dir.resolve("vsockt");
    Path src = dir.resolve("vsockt.c");
    try (InputStream in = getClass().getResourceAsStream("/guest/vsockt.c")) {
      Files.copy(in, src);
    }
    Process cc = new ProcessBuilder("gcc", "-static", "-O2", "-o", vsockt.toString(), src.toString())
        .redirectErrorStream(true).start();
    String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, cc.waitFor(), "gcc -static (apt-get install gcc libc6-dev): " + ccOut);

    // An 8 MiB image: random data in [0, 1 MiB) and [4, 5 MiB), a hole elsewhere.
    disk = dir.resolve("disk.img");
    firstMib = new byte[MIB];
    new Random(7).nextBytes(firstMib);
    byte[] discardMe = new byte[MIB];
    new Random(8).nextBytes(discardMe);
    try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(firstMib), 0);
      ch.write(ByteBuffer.wrap(discardMe), 4L * MIB);
      ch.truncate(8L * MIB);
      ch.write(ByteBuffer.wrap(new byte[1]), 8L * MIB - 1);
      ch.force(true);
    }
    blocksBefore = allocatedBlocks(disk);
    Path ro = dir.resolve("ro.img");
    Files.write(ro, new byte[MIB]);

    Path uds = dir.resolve("v.sock");
    serve("blk.sock", BlockDevice.open(disk, false));
    serve("ro.sock", BlockDevice.open(ro, true));
    serve("rng.sock", new RngDevice());
    serve("vsock.sock", VsockDevice.create(CID, uds, 8));
    listenGuestToHost(Path.of(uds + "_5000"));

    String script = String.join("\n",
        "rw=$(grep -l disk.img /sys/block/vd*/serial | cut -d/ -f4)",
        "ro=$(grep -l ro.img /sys/block/vd*/serial | cut -d/ -f4)",
        "echo \"R devices $rw $ro\"",
        "echo \"R ro-flag $(cat /sys/block/$ro/ro)\"",
        "echo \"R md5-first $(dd if=/dev/$rw bs=1M count=1 2>/dev/null | md5sum | cut -d' ' -f1)\"",
        "dd if=/dev/$rw of=/dev/$rw bs=1M count=1 seek=2 conv=fsync 2>/dev/null; echo \"R copy $?\"",
        "echo \"R discard-max $(cat /sys/block/$rw/queue/discard_max_bytes)\"",
        "blkdiscard -o 4194304 -l 1048576 /dev/$rw; echo \"R discard $?\"",
        "dd if=/dev/zero of=/dev/$ro bs=4096 count=1 conv=fsync 2>/dev/null; echo \"R ro-write $?\"",
        "echo \"R rng-current $(cat /sys/class/misc/hw_random/rng_current)\"",
        "echo \"R hwrng $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)\"",
        "timeout 120 /vsockt recv 6000 " + VSOCK_BYTES + " > /tmp/recv.log 2>&1 &",
        "recv=$!",
        "timeout 120 /vsockt send 2 5000 " + VSOCK_BYTES + "; echo \"R vsock-send $?\"",
        "wait $recv; echo \"R vsock-recv $? $(cat /tmp/recv.log | tr '\\n' ' ')\"",
        "");
    Path initrd = new Initramfs().script(script).file("vsockt", vsockt).build(kernel, dir);
    List<String> args = new ArrayList<>();
    int i = 0;
    for (String[] d : new String[][] {{"blk.sock", "vhost-user-blk"}, {"ro.sock", "vhost-user-blk"},
        {"rng.sock", "vhost-user-rng"}, {"vsock.sock", "vhost-user-vsock-device"}}) {
      args.addAll(List.of("-chardev", "socket,id=c" + i + ",path=" + dir.resolve(d[0]),
          "-device", d[1] + ",chardev=c" + i));
      i++;
    }
    // Host-to-guest: keep trying CONNECT 6000 until the guest's tool listens.
    CompletableFuture.runAsync(() -> connectWhenListening(uds));
    guest = QemuGuest.start(kernel, initrd, "256M", args, line -> {});
    exitCode = guest.waitFor(240);
  }

  private void serve(String name, VirtioDevice dev) throws IOException {
    devices.add(dev);
    VhostUserServer s = new VhostUserServer(dir.resolve(name), dev);
    servers.add(s);
    Thread t = new Thread(() -> {
      try {
        s.serveOne();
      } catch (IOException e) {
        // The frontend went away; the test checks what the guest saw.
      }
    }, "serve-" + name);
    t.setDaemon(true);
    t.start();
  }

  private void listenGuestToHost(Path path) throws IOException {
    ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    l.bind(UnixDomainSocketAddress.of(path));
    Thread t = new Thread(() -> {
      try (l; SocketChannel s = l.accept()) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        long off = 0;
        int n;
        while ((n = s.read(b)) >= 0) {
          b.flip();
          for (int k = 0; k < n; k++) {
            if (b.get(k) != pattern(off + k)) {
              guestToHost.completeExceptionally(new AssertionError("mismatch at " + (off + k)));
              return;
            }
          }
          off += n;
          b.clear();
        }
        guestToHost.complete(off);
      } catch (IOException e) {
        guestToHost.completeExceptionally(e);
      }
    }, "vsock-guest-to-host");
    t.setDaemon(true);
    t.start();
  }

  /** Retries CONNECT 6000 until the guest listens (a refused attempt is closed by the device). */
  private void connectWhenListening(Path uds) {
    for (int attempt = 0; attempt < 600 && !hostToGuest.isDone(); attempt++) {
      try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
        s.write(ByteBuffer.wrap("CONNECT 6000\n".getBytes(StandardCharsets.US_ASCII)));
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        boolean ok = true;
        while (true) {
          one.clear();
          if (s.read(one) < 0) {
            ok = false;
            break;
          }
          if (one.get(0) == '\n') {
            break;
          }
          line.append((char) one.get(0));
        }
        if (ok) {
          ByteBuffer out = ByteBuffer.allocate(VSOCK_BYTES);
          for (int k = 0; k < VSOCK_BYTES; k++) {
            out.put(pattern(k));
          }
          out.flip();
          while (out.hasRemaining()) {
            s.write(out);
          }
          hostToGuest.complete(line.toString());
          return;
        }
      } catch (IOException e) {
        // Not connected yet.
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static long allocatedBlocks(Path p) throws IOException, InterruptedException {
    Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    pr.waitFor();
    return Long.parseLong(out);
  }

  @AfterAll
  void shutDown() {
    if (guest != null) {
      guest.close();
    }
    servers.forEach(VhostUserServer::close);
    devices.forEach(VirtioDevice::close);
  }

  @Test
  void guestRanToTheEnd() {
    assertTrue(guest.console().contains("SBX-TEST-EXIT 0"), guest.console());
    assertTrue(!guest.console().contains("SBX-INSMOD-FAILED"), guest.console());
    assertEquals(0, exitCode, guest.console());
  }

  @Test
  void blockReadsTheImage() throws Exception {
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(firstMib));
    assertEquals(md5, guest.result("md5-first"));
  }

  @Test
  void blockWritesAndFlushesReachTheImage() throws Exception {
    assertEquals("0", guest.result("copy"));
    byte[] img = Files.readAllBytes(disk);
    byte[] copied = java.util.Arrays.copyOfRange(img, 2 * MIB, 3 * MIB);
    assertArrayEquals(firstMib, copied);
  }

  @Test
  void blockDiscardPunchesAHole() throws Exception {
    assertNotEquals("0", guest.result("discard-max"));
    assertEquals("0", guest.result("discard"));
    byte[] img = Files.readAllBytes(disk);
    assertArrayEquals(new byte[MIB], java.util.Arrays.copyOfRange(img, 4 * MIB, 5 * MIB));
    // 1 MiB was copied in and 1 MiB discarded: without the hole the image would have grown.
    assertTrue(allocatedBlocks(disk) < blocksBefore + 2048, "allocated " + allocatedBlocks(disk)
        + " blocks, before " + blocksBefore);
    assertEquals(8L * MIB, Files.size(disk));
  }

  @Test
  void readOnlyDiskRefusesWrites() {
    assertEquals("1", guest.result("ro-flag"));
    assertNotEquals("0", guest.result("ro-write"));
  }

  @Test
  void hwrngDeliversBytes() {
    assertEquals("virtio_rng.0", guest.result("rng-current"));
    assertEquals("64", guest.result("hwrng"));
  }

  @Test
  void vsockCarriesMebibytesGuestToHost() throws Exception {
    assertEquals("0", guest.result("vsock-send"));
    assertEquals(VSOCK_BYTES, guestToHost.get().longValue());
  }

  @Test
  void vsockCarriesMebibytesHostToGuest() throws Exception {
    assertTrue(hostToGuest.get().startsWith("OK "), hostToGuest.get());
    String r = guest.result("vsock-recv");
    assertTrue(r.startsWith("0 ") && r.contains("received " + VSOCK_BYTES + " ok"), r);
  }
}
