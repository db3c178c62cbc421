package dev.sbx.cli.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a sandbox once its last session has been over for the {@code sandbox.idleStop} time.
 * There is no daemon: the session that ends last records the time and leaves a small detached
 * {@code sbx idle-stop} process behind, which stops the sandbox only if no session started or
 * ended meanwhile.
 */
public final class IdleStop {
  private static final Logger LOG = LoggerFactory.getLogger(IdleStop.class);
  static final String LAST_SESSION = "session.last";

  private IdleStop() {}

  /** Called when a session ends; starts the watcher unless another session is still open. */
  public static void sessionEnded(Sandboxes sandboxes, SandboxRecord r, Duration idle) {
    if (idle.isZero() || idle.isNegative()) {
      return;
    }
    try {
      Files.writeString(sandboxes.dir(r).resolve(LAST_SESSION), Instant.now().toString(), StandardCharsets.US_ASCII);
      if (sandboxes.hasActiveSession(r)) {
        return;
      }
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:+UseSerialGC", "-Xmx32m", "-cp", System.getProperty("java.class.path"), "dev.sbx.cli.Sbx",
          "idle-stop", r.id(), String.valueOf(idle.toSeconds())));
      new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
              "/dev/null"))).start();
    } catch (IOException e) {
      LOG.warn("cannot schedule the idle stop of {}: {}", r.name(), e.getMessage());
    }
  }

  /** The watcher: waits, then stops the sandbox if it stayed idle for the whole time. */
  public static void watch(Sandboxes sandboxes, String id, Duration idle) throws InterruptedException {
    Thread.sleep(idle.toMillis());
    Optional<SandboxRecord> r;
    try {
      r = sandboxes.store().read(id);
    } catch (IOException e) {
      return;
    }
    if (r.isEmpty() || sandboxes.hasActiveSession(r.get())) {
      return;
    }
    try {
      Instant last = Instant.parse(Files.readString(sandboxes.dir(r.get()).resolve(LAST_SESSION)).strip());
      if (Duration.between(last, Instant.now()).compareTo(idle) < 0) {
        return; // a later session ended; its own watcher decides
      }
    } catch (IOException | RuntimeException e) {
      return;
    }
    if (sandboxes.running(r.get())) {
      sandboxes.stop(r.get());
    }
  }
}
