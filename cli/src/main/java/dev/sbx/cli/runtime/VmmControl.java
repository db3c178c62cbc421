package dev.sbx.cli.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Client of a sandbox's control socket ({@code vmm.sock}). Each request is its own connection,
 * so one VmmControl can be used from several threads.
 */
public final class VmmControl implements AutoCloseable {
  private static final int MAX_REPLY = 64 * 1024;
  /** Beyond the grace period, how long the VMM gets to clean up before it is killed. */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(15);

  private final SandboxFiles files;

  private VmmControl(SandboxFiles files) {
    this.files = files;
  }

  /** A client of the sandbox's live VMM, or empty when none answers on its control socket. */
  public static Optional<VmmControl> connect(Path sandboxDir) {
    SandboxFiles files = new SandboxFiles(sandboxDir);
    if (!Files.exists(files.socket())) {
      return Optional.empty();
    }
    VmmControl c = new VmmControl(files);
    try {
      c.status();
      return Optional.of(c);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public VmmStatus status() throws IOException {
    try (SocketChannel ch = open()) {
      send(ch, "STATUS");
      return VmmStatus.fromJson(LineReader.read(ch, MAX_REPLY));
    }
  }

  /**
   * Graceful guest poweroff (data disk synced), forced after {@code grace}; returns when the VMM
   * process is gone (killed if it outlives the grace period by a wide margin).
   */
  public void stop(Duration grace) throws IOException {
    long pid = status().pid();
    try (SocketChannel ch = open()) {
      send(ch, "STOP " + Math.max(0, Math.min(grace.toSeconds(), 9999)));
      String reply = LineReader.read(ch, MAX_REPLY);
      if (!reply.equals("OK")) {
        throw new IOException("the VMM refused to stop: " + reply);
      }
    }
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty()) {
      return;
    }
    try {
      p.get().onExit().get(grace.plus(EXIT_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // A VMM that does not end kills nothing of the host: its engine dies with it (pdeathsig).
      p.get().destroyForcibly();
      try {
        p.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // Reported by the state file's reconciliation.
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // Gone.
    }
  }

  /** A new connection to guest vsock {@code port}, after the {@code CONNECT}/{@code OK} handshake. */
  public SocketChannel openVsock(int port) throws IOException {
    if (port < 1) {
      throw new IllegalArgumentException("vsock port must be positive");
    }
    SocketChannel ch = open();
    try {
      send(ch, "CONNECT " + port);
      String reply = LineReader.read(ch, 256);
      if (!reply.startsWith("OK ")) {
        throw new IOException("cannot reach guest port " + port + ": " + reply);
      }
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** {@code PUBLISH}, {@code UNPUBLISH}, {@code PORTS} (PortVerbs): one request, its one reply line. */
  public String request(String line) throws IOException {
    if (line.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("one line per request");
    }
    try (SocketChannel ch = open()) {
      send(ch, line);
      return LineReader.read(ch, MAX_REPLY);
    }
  }

  private SocketChannel open() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(files.socket()));
      return ch;
    } catch (IOException e) {
      ch.close();
      throw new IOException("no VMM answers on " + files.socket() + ": " + e.getMessage(), e);
    }
  }

  private static void send(SocketChannel ch, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Nothing to release: every request has its own connection. */
  @Override
  public void close() {}
}
