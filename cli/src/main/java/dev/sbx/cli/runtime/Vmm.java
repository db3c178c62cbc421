package dev.sbx.cli.runtime;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.engine.Engines;
import dev.sbx.cli.session.SshKeys;
import dev.sbx.cli.session.PortForwarder;
import dev.sbx.image.GuestImage;
import dev.sbx.image.ImageManager;
import dev.sbx.image.KernelCommandLine;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineException;
import dev.sbx.vmm.engine.EnginePaths;
import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.engine.RunningVm;
import dev.sbx.vmm.engine.VmExit;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sbx-vmm process's life, the same for every engine: one VMM per sandbox (a lock file), the
 * pid and state files, the proxy, the devices, the control socket, then the engine; the guest's
 * ready marker moves the state to {@code running}; the machine's end (guest poweroff, STOP, a
 * crash of QEMU or of a device) moves it to {@code stopped} or {@code error} with the reason, after
 * every socket is gone. The process exits when the guest ends.
 */
final class Vmm {
  private static final Logger log = LoggerFactory.getLogger(Vmm.class);
  static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration MAX_STOP_GRACE = Duration.ofMinutes(10);

  private final SandboxFiles files;
  private final SbxPaths paths;
  private final long pid = ProcessHandle.current().pid();
  private final Instant startedAt = ProcessHandle.current().info().startInstant().orElse(Instant.now());
  private final CountDownLatch finished = new CountDownLatch(1);
  private final GuestPowerOff powerOff;
  private volatile VmmStatus status;
  private volatile RunningVm vm;
  private volatile boolean stopRequested;
  private boolean stopping;
  private volatile Duration stopGrace = DEFAULT_STOP_GRACE;

  Vmm(SandboxFiles files, SbxPaths paths, GuestPowerOff powerOff) {
    this.files = files;
    this.paths = paths;
    this.powerOff = powerOff;
    this.status = new VmmStatus(VmmStatus.STARTING, pid, "unknown", startedAt, Optional.empty());
  }

  /** Runs the VM to its end; returns the process exit code (0 when the guest ended cleanly or was stopped). */
  int run() {
    if (!Files.isDirectory(files.dir())) {
      log.error("sandbox directory {} does not exist", files.dir());
      return 2;
    }
    try (FileChannel lockFile = FileChannel.open(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        log.error("another sbx-vmm already runs for {}", files.dir());
        return 3;
      }
      try {
        return runLocked();
      } finally {
        finished.countDown();
      }
    } catch (IOException e) {
      log.error("cannot lock {}: {}", files.lock(), e.getMessage());
      return 1;
    }
  }

  private int runLocked() {
    VmExit exit;
    try {
      Files.writeString(files.pid(), pid + "\n", StandardCharsets.US_ASCII);
      setState(VmmStatus.STARTING, Optional.empty());
      VmSpec spec = VmSpec.read(files.spec());
      status = new VmmStatus(VmmStatus.STARTING, pid, spec.engine(), startedAt, Optional.empty());
      setState(VmmStatus.STARTING, Optional.empty());
      exit = boot(spec);
    } catch (IOException | RuntimeException e) {
      log.error("the VM could not run", e);
      exit = VmExit.of(ExitKind.VMM_ERROR, e.getMessage() == null ? e.toString() : e.getMessage());
    } finally {
      cleanRunDir();
    }
    try {
      Files.deleteIfExists(files.pid());
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", files.pid(), e.getMessage());
    }
    boolean guestEnded = guestEnded(exit);
    boolean ok = guestEnded || stopRequested;
    String reason = stopRequested && guestEnded ? "stopped by sbx"
        : guestEnded ? "guest powered off or reset" : exit.reason();
    setState(ok ? VmmStatus.STOPPED : VmmStatus.ERROR, Optional.of(reason));
    log.info("VM ended: {}", reason);
    return ok ? 0 : 1;
  }

  private VmExit boot(VmSpec spec) throws IOException {
    Engine engine = Engines.require(spec.engine());
    for (VmSpec.WorkspaceMount w : spec.workspaces()) {
      if (!Files.isDirectory(Path.of(w.hostPath()))) {
        throw new IOException("workspace " + w.hostPath() + " is not an existing folder; create it or remove it from the sandbox");
      }
    }
    cleanRunDir();
    Files.createDirectories(files.runDir());
    Files.setPosixFilePermissions(files.runDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    GuestImage image = new ImageManager(paths.cache()).current().orElseThrow(() -> new IOException(
        "the guest image is not built; build it with: sbx image build"));
    try (SandboxProxy proxy = SandboxProxy.start(paths, spec.name(), files.proxySocket(), files.proxyLog());
        SandboxDevices devices = SandboxDevices.open(spec, files, image, proxy);
        ConsoleLog console = new ConsoleLog(files.console());
        ControlServer control = ControlServer.start(files.socket(), files.runDir())) {
      control.register("STATUS", (arg, conn) -> conn.reply(status.toJson()));
      control.register("STOP", this::stopVerb);
      control.register("CONNECT", this::connectVerb);
      PortForwarder ports = new PortForwarder(SshKeys.in(files.dir()),
          () -> VmmControl.connect(files.dir()).orElseThrow(() -> new IOException("control socket gone")).openVsock(22));
      PortVerbs.register(control, ports);
      BootSpec boot = new BootSpec(image.kernel(), Optional.empty(), KernelCommandLine.of(spec.hostname(), Instant.now()),
          spec.cpus(), spec.memoryBytes()).withParameters(engine.kernelParameters())
          .withParameters(engine.resetParameter());
      RunningVm running;
      try {
        running = engine.start(boot, devices.all(), new EnginePaths(files.runDir(), files.dir()), console);
      } catch (EngineException e) {
        throw new IOException(e.getMessage(), e);
      }
      synchronized (this) {
        vm = running;
      }
      try {
        log.info("{} machine started (engine pid {}), {} ms after the process started", engine.id(),
            running.enginePid().orElse(-1), Duration.between(startedAt, Instant.now()).toMillis());
        console.ready().thenAccept(line -> {
          log.info("guest ready: {}", line);
          // Published ports first, so they are in place when the CLI sees "running".
          PortVerbs.republish(ports, spec.publish());
          synchronized (this) {
            if (status.state().equals(VmmStatus.STARTING)) {
              setState(VmmStatus.RUNNING, Optional.empty());
            }
          }
        });
        if (stopRequested) {
          requestStop(stopGrace);
        }
        VmExit exit = running.onExit().join();
        String panic = console.panic().getNow(null);
        if (panic != null && guestEnded(exit)) {
          exit = VmExit.of(ExitKind.GUEST_PANIC, "the guest kernel panicked: " + panic);
        }
        if (!guestEnded(exit)) {
          log.error("machine failed: {}; console tail:\n{}", exit.describe(), console.tail(20));
        }
        return exit;
      } finally {
        ports.close();
        running.close();
      }
    }
  }

  /**
   * The guest ended itself (reset or poweroff) or was stopped. Each engine makes the guest's reset
   * distinguishable (QEMU exits 0; our machine's i8042 with {@code reboot=k}), so a triple fault
   * is an error here.
   */
  private static boolean guestEnded(VmExit exit) {
    return exit.clean();
  }

  private synchronized void setState(String state, Optional<String> reason) {
    status = status.with(state, reason);
    try {
      VmmState.write(files.dir(), status);
    } catch (IOException e) {
      log.warn("cannot write {}: {}", files.state(), e.getMessage());
    }
  }

  private void stopVerb(String arg, ControlConnection conn) throws IOException {
    Duration grace = DEFAULT_STOP_GRACE;
    if (!arg.isEmpty()) {
      if (!arg.matches("\\d{1,4}")) {
        conn.reply("ERR STOP takes a grace period in whole seconds, e.g. STOP 10");
        return;
      }
      grace = Duration.ofSeconds(Long.parseLong(arg));
      if (grace.compareTo(MAX_STOP_GRACE) > 0) {
        grace = MAX_STOP_GRACE;
      }
    }
    conn.reply("OK");
    requestStop(grace);
  }

  /**
   * Graceful stop: the guest is asked to power off (init syncs the data disk and ends the VM);
   * after {@code grace} the machine is stopped by force. Returns at once.
   */
  void requestStop(Duration grace) {
    RunningVm running;
    synchronized (this) {
      stopGrace = grace;
      stopRequested = true;
      if (status.live() && !status.state().equals(VmmStatus.STOPPING)) {
        setState(VmmStatus.STOPPING, Optional.empty());
      }
      running = vm;
      if (running == null || stopping) {
        return; // Not started yet: boot() stops it as soon as it has.
      }
      stopping = true;
    }
    Thread t = new Thread(() -> stopNow(running, grace), "vmm-stop");
    t.setDaemon(true);
    t.start();
  }

  private void stopNow(RunningVm running, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    if (!grace.isZero()) {
      try {
        powerOff.request(files, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (IOException | RuntimeException e) {
        // Nothing will power the guest off: waiting out the grace period would only delay the stop.
        log.info("graceful poweroff not possible ({}); stopping the machine", e.getMessage());
        deadline = System.nanoTime();
      }
    }
    try {
      running.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      log.info("the guest did not power off within {} s; stopping it", grace.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // Ended anyway.
    }
    if (!running.onExit().isDone()) {
      running.stop(Duration.ofSeconds(3));
    }
  }

  /** {@code CONNECT <port>}: a stream to the guest's vsock port, through the vsock device's socket. */
  private void connectVerb(String arg, ControlConnection conn) throws IOException {
    if (!arg.matches("\\d{1,10}") || Long.parseLong(arg) < 1 || Long.parseLong(arg) > 0xffffffffL) {
      conn.reply("ERR CONNECT takes a vsock port number, e.g. CONNECT 22");
      return;
    }
    SocketChannel guest;
    try {
      guest = GuestVsock.connect(files, Integer.parseUnsignedInt(arg));
    } catch (IOException e) {
      conn.reply("ERR nothing accepted the connection on guest vsock port " + arg);
      return;
    }
    String reply = "OK " + arg;
    conn.reply(reply);
    ChannelSplice.run(conn.channel(), guest, "vsock-" + arg);
  }

  /** Removes the private sockets of this or an earlier (crashed) VMM. */
  private void cleanRunDir() {
    Path run = files.runDir();
    if (!Files.isDirectory(run)) {
      return;
    }
    try (Stream<Path> s = Files.list(run)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot clean {}: {}", run, e.getMessage());
    }
  }

  /** For the shutdown hook: stop the VM and wait (bounded) until everything is cleaned up. */
  void stopAndAwait(Duration grace, Duration limit) {
    if (finished.getCount() == 0) {
      return;
    }
    requestStop(grace);
    try {
      finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
