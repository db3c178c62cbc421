package dev.sbx.cli.runtime;

import dev.sbx.cli.UserException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a sandbox's sbx-vmm process (same jar, {@link VmmMain}) detached from the CLI: its own
 * session ({@code setsid}), stdin from {@code /dev/null}, output to {@code vmm.log}. Then waits
 * for the guest's ready marker as the VMM reports it in {@code vmm-state.json}.
 */
public final class VmmLauncher {
  private static final Logger log = LoggerFactory.getLogger(VmmLauncher.class);
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final long POLL_MILLIS = 100;
  private static final int TAIL_LINES = 30;

  private VmmLauncher() {}

  /**
   * Starts the VM described by {@code vm.json} in {@code sandboxDir} and waits until the guest is
   * ready. A VMM already running there is left alone and its status returned.
   *
   * @throws UserException on a VMM failure, a crash or the timeout (one line; the console tail goes
   *     to the log); nothing is left running then
   */
  public static VmmStatus start(Path sandboxDir, Duration readyTimeout, Consumer<String> progress) {
    SandboxFiles files = new SandboxFiles(sandboxDir);
    if (files.longestSocketPathBytes() > SandboxFiles.MAX_SOCKET_PATH) {
      throw new UserException("the sandbox directory " + files.dir() + " is too long for the VM's Unix sockets ("
          + files.longestSocketPathBytes() + " bytes, limit " + SandboxFiles.MAX_SOCKET_PATH
          + "); set SBX_HOME or XDG_DATA_HOME to a shorter path");
    }
    long t0 = System.nanoTime();
    Optional<VmmControl> running = VmmControl.connect(files.dir());
    if (running.isPresent()) {
      try {
        VmmStatus s = running.get().status();
        if (s.state().equals(VmmStatus.RUNNING)) {
          return s;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(s.pid());
        if (s.live() && p.isPresent()) {
          // Another CLI started it a moment ago: wait for the same guest instead of a second VMM.
          progress.accept("the sandbox VM is already starting; waiting for it");
          return awaitReady(files, p.get(), t0, readyTimeout, progress);
        }
      } catch (IOException e) {
        // Went away in between: start a new one.
      }
    }
    String engine = engineOf(files);
    progress.accept("starting the sandbox VM (engine " + engine + ")"
        + (engine.equals("tcg") ? "; emulated CPUs are slow, the guest takes a while to boot" : ""));
    Process p;
    try {
      Files.deleteIfExists(files.state());
      p = new ProcessBuilder(command(files))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(files.vmmLog().toFile()))
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      throw new UserException("cannot start the VMM process: " + e.getMessage());
    }
    return awaitReady(files, p.toHandle(), t0, readyTimeout, progress);
  }

  private static VmmStatus awaitReady(SandboxFiles files, ProcessHandle p, long t0, Duration readyTimeout,
      Consumer<String> progress) {
    long deadline = t0 + readyTimeout.toNanos();
    while (true) {
      Optional<VmmStatus> s = VmmState.read(files.dir());
      if (s.isPresent() && s.get().state().equals(VmmStatus.RUNNING)) {
        progress.accept(String.format("guest ready in %.1f s", (System.nanoTime() - t0) / 1e9));
        return s.get();
      }
      if (!p.isAlive() || (s.isPresent() && !s.get().live())) {
        waitQuietly(p);
        String why = VmmState.read(files.dir()).flatMap(VmmStatus::reason)
            .orElse("the VMM process ended without a reason; see " + files.vmmLog());
        failure(files, "the sandbox VM did not start: " + why);
      }
      if (System.nanoTime() > deadline) {
        stopQuietly(files, p);
        failure(files, "the guest did not become ready within " + readyTimeout.toSeconds()
            + " s; it was stopped; the console is in " + files.console());
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        stopQuietly(files, p);
        Thread.currentThread().interrupt();
        throw new UserException("interrupted while the sandbox VM started; it was stopped");
      }
    }
  }

  private static String engineOf(SandboxFiles files) {
    try {
      return VmSpec.read(files.spec()).engine();
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
  }

  /** {@code setsid java -cp <this classpath> VmmMain <dir>}: the same JVM and jar as the CLI. */
  static List<String> command(SandboxFiles files) {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      cmd.add(SETSID.toString());
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A small heap: devices work on bounded buffers; one JVM per sandbox.
    cmd.addAll(List.of("-XX:+UseSerialGC", "-Xmx256m", "-Xss512k", "-XX:-UsePerfData"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VmmMain.class.getName(), files.dir().toString()));
    return cmd;
  }

  private static void failure(SandboxFiles files, String message) {
    String tail = ConsoleLog.tailOf(files.console(), TAIL_LINES);
    if (!tail.isBlank()) {
      log.warn("{}; console tail:\n{}", message, tail);
    }
    throw new UserException(message);
  }

  private static void stopQuietly(SandboxFiles files, ProcessHandle p) {
    try {
      Optional<VmmControl> c = VmmControl.connect(files.dir());
      if (c.isPresent()) {
        c.get().stop(Duration.ZERO);
      }
    } catch (IOException e) {
      log.debug("stop: {}", e.getMessage());
    }
    if (p.isAlive()) {
      p.destroyForcibly();
    }
    waitQuietly(p);
  }

  private static void waitQuietly(ProcessHandle p) {
    try {
      p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
    }
  }
}
