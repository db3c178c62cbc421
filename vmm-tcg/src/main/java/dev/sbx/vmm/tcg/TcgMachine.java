package dev.sbx.vmm.tcg;

import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.virtio.transport.vhostuser.VhostUserServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tcg-engine machine: QEMU TCG as the CPU, every device served from this process over
 * vhost-user (one socket and one serving thread per device), and the serial console pumped from
 * a Unix socket into the caller's stream. The machine has ended when QEMU exits, or when a device
 * stops serving while QEMU still runs (QEMU is then killed: a guest without its disk must not
 * linger). Sockets live in {@code runDir} and are removed when the machine ends.
 */
public final class TcgMachine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcgMachine.class);
  /** How long a device's disconnect may precede QEMU's own exit before it counts as a failure. */
  private static final Duration EXIT_SETTLE = Duration.ofSeconds(3);

  /** Which QEMU boots what (multi-threaded TCG when more than one vCPU), and where its sockets and log go. */
  public record Config(Path qemu, BootSpec boot, Path runDir, Path qemuLog) {}

  private final List<VhostUserServer> servers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
  private ServerSocketChannel consoleListener;
  private Path consoleSocket;
  private QemuProcess qemu;
  private volatile boolean closing;

  private TcgMachine() {}

  /**
   * Serves {@code devices}, then starts QEMU. On failure nothing is left running.
   *
   * @param console receives the guest's serial output; written from one thread
   */
  public static TcgMachine start(Config config, List<AttachedDevice> devices, OutputStream console) throws TcgException {
    TcgMachine m = new TcgMachine();
    try {
      m.boot(config, devices, console);
      return m;
    } catch (TcgException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  private void boot(Config config, List<AttachedDevice> devices, OutputStream console) throws TcgException {
    List<VhostUserDevice> qemuDevices = new ArrayList<>();
    try {
      Files.createDirectories(config.runDir());
      for (AttachedDevice d : devices) {
        Path socket = config.runDir().resolve("vhost-" + d.id() + ".sock");
        VhostUserDevice qemuDevice = new VhostUserDevice(VhostUserDevice.Kind.of(d.device().deviceType()), d.id(),
            socket, d.fsTag().orElse(""));
        Files.deleteIfExists(socket);
        VhostUserServer server = new VhostUserServer(socket, d.device());
        servers.add(server);
        qemuDevices.add(qemuDevice);
        spawn("vhost-user-" + d.id(), () -> serve(d.id(), server));
      }
      consoleSocket = config.runDir().resolve("console.sock");
      Files.deleteIfExists(consoleSocket);
      consoleListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      consoleListener.bind(UnixDomainSocketAddress.of(consoleSocket));
    } catch (IOException e) {
      throw new TcgException("cannot set up the devices in " + config.runDir() + ": " + e.getMessage(), e);
    }
    spawn("tcg-console", () -> pumpConsole(console));
    BootSpec boot = config.boot();
    QemuMachineSpec spec = new QemuMachineSpec(boot.kernel(), boot.initrd(), boot.cmdline(), boot.vcpus(),
        boot.memoryBytes(), QemuMachineSpec.Console.socket(consoleSocket), qemuDevices);
    qemu = QemuProcess.start(config.qemu(), spec, config.qemuLog());
    qemu.onExit().thenAccept(e -> {
      if (!exit.isDone()) {
        String tail = e.clean() ? "" : lastQemuLine();
        exit.complete(tail.isEmpty() ? e.toVmExit() : VmExit.of(ExitKind.ENGINE_FAILED, e.describe() + ": " + tail));
      }
      releaseSockets();
    });
  }

  private String lastQemuLine() {
    String t = qemu.logTail(1).strip();
    return t.length() > 300 ? t.substring(0, 300) : t;
  }

  private void spawn(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void serve(String id, VhostUserServer server) {
    String why;
    try {
      server.serveOne();
      why = "device " + id + ": QEMU disconnected";
    } catch (IOException | RuntimeException e) {
      why = "device " + id + " failed: " + e.getMessage();
    }
    deviceEnded(why);
  }

  /** A device stopped serving: fine if QEMU is exiting too, otherwise the machine has failed. */
  private void deviceEnded(String why) {
    if (closing || exit.isDone()) {
      return;
    }
    QemuProcess q = qemu;
    if (q != null) {
      try {
        q.onExit().get(EXIT_SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (java.util.concurrent.TimeoutException e) {
        // QEMU still runs without the device.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException e) {
        return;
      }
    }
    log.error("{}; stopping the machine", why);
    exit.complete(VmExit.of(ExitKind.DEVICE_FAILED, why));
    if (q != null) {
      q.stop(Duration.ZERO);
    }
  }

  private void pumpConsole(OutputStream console) {
    try (SocketChannel c = consoleListener.accept()) {
      ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
      while (c.read(buf) >= 0) {
        buf.flip();
        console.write(buf.array(), 0, buf.limit());
        console.flush();
        buf.clear();
      }
    } catch (IOException e) {
      // QEMU went away or the machine is closing; the console simply ends.
    }
  }

  /** The last lines QEMU itself printed, for error messages. */
  public String qemuLogTail(int lines) {
    return qemu == null ? "" : qemu.logTail(lines);
  }

  public long qemuPid() {
    return qemu == null ? -1 : qemu.pid();
  }

  /** Completes once when the machine has ended, with why. */
  public CompletableFuture<VmExit> onExit() {
    return exit;
  }

  /** Ends the machine now: QEMU is asked to quit, then killed after {@code grace}. */
  public VmExit stop(Duration grace) {
    QemuProcess q = qemu;
    if (q != null && q.isAlive()) {
      exit.complete(q.stop(grace).toVmExit());
    }
    exit.complete(VmExit.of(ExitKind.STOPPED, "stopped by sbx"));
    return exit.join();
  }

  private synchronized void releaseSockets() {
    closing = true;
    for (VhostUserServer s : servers) {
      s.close();
    }
    if (consoleListener != null) {
      try {
        consoleListener.close();
        Files.deleteIfExists(consoleSocket);
      } catch (IOException e) {
        log.warn("cannot remove {}: {}", consoleSocket, e.getMessage());
      }
    }
  }

  /** Stops QEMU if it still runs, removes the sockets and waits for the serving threads. */
  @Override
  public void close() {
    closing = true;
    if (qemu != null && qemu.isAlive()) {
      stop(Duration.ofSeconds(5));
    }
    releaseSockets();
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
