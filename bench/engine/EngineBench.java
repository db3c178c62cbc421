package dev.sbx.cli.runtime;

import dev.sbx.cli.SbxPaths;
import dev.sbx.image.ImageManager;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The engine's baseline figures for one sandbox VM: sbx-vmm start to guest ready (first boot on a
 * blank data disk, then reused), memory of sbx-vmm and QEMU once ready, a graceful stop, and the
 * round trip of a small message over vsock through the control socket (guest side: socat echoing
 * on a vsock port). RSS is split into anonymous memory and shared memory: guest RAM is a shared
 * memfd that QEMU and the VMM's device models both map, so it shows in both processes' shmem. In this package to use the VMM's SSH helper; run it through run.sh.
 */
public final class EngineBench {
  private EngineBench() {}

  public static void main(String[] args) throws Exception {
    String engine = args.length > 0 ? args[0] : "tcg";
    int boots = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int trips = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    SbxPaths paths = SbxPaths.fromEnvironment();
    new ImageManager(paths.cache()).current().orElseThrow(() -> new IllegalStateException("build the image first: ./sbx image build"));
    SandboxFiles files = new SandboxFiles(paths.data().resolve("sandboxes").resolve("bench"));
    Files.createDirectories(files.sshDir());
    keygen(files.sshDir(), "id_ed25519");
    keygen(files.sshDir(), "ssh_host_ed25519_key");
    Path ws = Files.createDirectories(files.dir().resolve("workspace"));
    new VmSpec("bench", "bench", engine, 2, 2L << 30, 8L << 30, List.of(new VmSpec.WorkspaceMount(ws.toString(), false)),
        Map.of(), List.of()).write(files.spec());

    System.out.printf("engine %s, %d vCPUs, 2 GiB, host load %s%n", engine, 2,
        Files.readString(Path.of("/proc/loadavg")).strip());
    System.out.println("boot  data-disk  start-to-ready-s  vmm-rss-MiB(anon+shmem)  qemu-rss-MiB(anon+shmem)  stop-s");
    for (int i = 1; i <= boots; i++) {
      long t0 = System.nanoTime();
      VmmStatus s = VmmLauncher.start(files.dir(), Duration.ofMinutes(10), l -> {});
      double ready = (System.nanoTime() - t0) / 1e9;
      long qemu = ProcessHandle.of(s.pid()).orElseThrow().children()
          .filter(p -> p.info().command().orElse("").contains("qemu")).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
      String qemuRss = qemu < 0 ? "-" : rss(qemu, "RssAnon") + "+" + rss(qemu, "RssShmem");
      String vmmRss = rss(s.pid(), "RssAnon") + "+" + rss(s.pid(), "RssShmem");
      if (i == boots) {
        try {
          roundTrips(files, trips);
        } catch (Exception e) {
          VmmControl.connect(files.dir()).orElseThrow().stop(Duration.ZERO);
          throw e;
        }
      }
      long t1 = System.nanoTime();
      VmmControl.connect(files.dir()).orElseThrow().stop(Duration.ofSeconds(60));
      double stop = (System.nanoTime() - t1) / 1e9;
      System.out.printf("%-5d %-10s %-17.1f %-24s %-25s %.1f%n", i, i == 1 ? "blank" : "reused", ready, vmmRss, qemuRss, stop);
    }
  }

  private static void roundTrips(SandboxFiles files, int trips) throws Exception {
    VmmControl c = VmmControl.connect(files.dir()).orElseThrow();
    GuestSsh.Result r = GuestSsh.exec(c.openVsock(22), files,
        "nohup socat VSOCK-LISTEN:5000,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 & sleep 1", Duration.ofMinutes(1));
    if (r.exitStatus() != 0) {
      throw new IllegalStateException("cannot start the guest echo: " + r.stderr());
    }
    for (int size : new int[] {64, 4096}) {
      try (SocketChannel ch = c.openVsock(5000)) {
        ByteBuffer out = ByteBuffer.allocate(size);
        ByteBuffer in = ByteBuffer.allocate(size);
        long[] ns = new long[trips];
        for (int i = 0; i < trips + 100; i++) {
          out.clear();
          in.clear();
          long t = System.nanoTime();
          while (out.hasRemaining()) {
            ch.write(out);
          }
          while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
              throw new IllegalStateException("echo closed");
            }
          }
          if (i >= 100) {
            ns[i - 100] = System.nanoTime() - t;
          }
        }
        Arrays.sort(ns);
        System.out.printf("vsock round trip, %d B through the control socket (%d trips after 100 warm-up): "
            + "median %.0f us, p90 %.0f us, p99 %.0f us%n", size, trips, ns[trips / 2] / 1e3, ns[trips * 9 / 10] / 1e3,
            ns[trips * 99 / 100] / 1e3);
      }
    }
    long t = System.nanoTime();
    int n = 50;
    for (int i = 0; i < n; i++) {
      // One byte echoed proves the guest accepted before the next connection.
      try (SocketChannel ch = c.openVsock(5000)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}));
        if (ch.read(ByteBuffer.allocate(1)) != 1) {
          throw new IllegalStateException("echo closed");
        }
      }
    }
    System.out.printf("new vsock connection (CONNECT, OK, one byte echoed, close) through the control socket: %.2f ms each over %d%n",
        (System.nanoTime() - t) / 1e6 / n, n);
  }

  private static long rss(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  private static void keygen(Path dir, String name) throws Exception {
    if (Files.exists(dir.resolve(name))) {
      return;
    }
    Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve(name).toString())
        .inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("ssh-keygen failed");
    }
  }
}
