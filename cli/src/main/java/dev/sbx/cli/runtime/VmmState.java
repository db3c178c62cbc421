package dev.sbx.cli.runtime;

import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code vmm-state.json}: written atomically by sbx-vmm at every transition, read by the CLI.
 * Reading reconciles the file with reality: a live state whose process is gone (killed, crashed,
 * host rebooted) reads as {@code error} with the reason, and so does a pid now used by another
 * process (told apart by its start time).
 */
public final class VmmState {
  private static final long MAX_FILE = 64 * 1024;
  /** Slack between the recorded start and the OS's process start time (JVM start-up, clock granularity). */
  private static final Duration START_SLACK = Duration.ofSeconds(30);

  private VmmState() {}

  public static Optional<VmmStatus> read(Path sandboxDir) {
    return readFile(new SandboxFiles(sandboxDir).state()).map(VmmState::reconcile);
  }

  static Optional<VmmStatus> readFile(Path file) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE) {
        return Optional.empty();
      }
      return Optional.of(VmmStatus.fromJson(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static VmmStatus reconcile(VmmStatus s) {
    if (!s.live() || alive(s.pid(), s.startedAt())) {
      return s;
    }
    return s.with(VmmStatus.ERROR, Optional.of("the VMM process " + s.pid() + " ended without saying why (killed or crashed)"
        + s.reason().map(r -> "; last state: " + s.state() + ", " + r).orElse("; last state: " + s.state())));
  }

  /** Whether {@code pid} is alive and is the process that started at {@code startedAt}. */
  static boolean alive(long pid, Instant startedAt) {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty() || !p.get().isAlive()) {
      return false;
    }
    Optional<Instant> start = p.get().info().startInstant();
    return start.isEmpty() || Duration.between(start.get(), startedAt).abs().compareTo(START_SLACK) <= 0;
  }

  static void write(Path sandboxDir, VmmStatus status) throws IOException {
    AtomicFiles.write(new SandboxFiles(sandboxDir).state(), (status.toJson() + "\n").getBytes(StandardCharsets.UTF_8),
        true);
  }
}
