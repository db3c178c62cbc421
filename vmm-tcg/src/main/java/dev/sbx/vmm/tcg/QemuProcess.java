package dev.sbx.vmm.tcg;

import java.io.IOException;
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
 * A running QEMU. It is started under {@code setpriv --pdeathsig SIGKILL} so that it dies with the
 * thread that started it, never outliving the sbx-vmm process; start it from a thread that lives
 * as long as the machine (the VMM's main thread). QEMU's own messages go to a log file beside the
 * console.
 */
public final class QemuProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private final Process process;
  private final Path stderrLog;
  private volatile boolean stopRequested;
  private final CompletableFuture<QemuExit> exit;

  private QemuProcess(Process process, Path stderrLog) {
    this.process = process;
    this.stderrLog = stderrLog;
    this.exit = process.onExit().thenApply(p -> new QemuExit(p.exitValue(), stopRequested));
  }

  /**
   * Starts QEMU for {@code spec}; its stdout/stderr go to {@code qemuLog}.
   */
  public static QemuProcess start(Path qemu, QemuMachineSpec spec, Path qemuLog) throws TcgException {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "SIGKILL", "--"));
    }
    cmd.addAll(QemuCommandLine.build(qemu, spec));
    log.info("starting {}", String.join(" ", cmd));
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectErrorStream(true)
          .redirectOutput(qemuLog.toFile())
          .start();
      return new QemuProcess(p, qemuLog);
    } catch (IOException e) {
      throw new TcgException("cannot start " + qemu + ": " + e.getMessage(), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes when QEMU exits, for whatever reason. */
  public CompletableFuture<QemuExit> onExit() {
    return exit;
  }

  /** The last lines QEMU printed, for error messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(stderrLog);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "";
    }
  }

  /** Asks QEMU to quit (SIGTERM), then kills it after {@code grace}. Returns how it ended. */
  public QemuExit stop(Duration grace) {
    stopRequested = true;
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("qemu {} did not quit within {} ms; killing it", process.pid(), grace.toMillis());
        process.destroyForcibly();
        process.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    return exit.join();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(5));
    }
  }
}
