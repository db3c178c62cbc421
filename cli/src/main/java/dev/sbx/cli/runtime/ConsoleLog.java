package dev.sbx.cli.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * The guest's serial console as the engine delivers it: appended to {@code console.log}, which
 * is rotated to {@code console.log.1} at {@link #MAX_BYTES} so that a chatty or hostile guest
 * cannot fill the host's disk; watched for init's ready marker at the start of a line; the last
 * few KiB kept for error messages. Written by one engine thread.
 */
public final class ConsoleLog extends OutputStream {
  public static final String READY_MARKER = "SBX-GUEST-READY";
  /** What Linux prints when it panics; the sandbox kernel then reboots at once ({@code panic=-1}). */
  static final String PANIC_MARKER = "Kernel panic - not syncing:";
  static final long MAX_BYTES = 8L << 20;
  private static final int TAIL = 8 * 1024;
  private static final int LINE = 256;

  private final Path file;
  private OutputStream out;
  private long written;
  private final byte[] tail = new byte[TAIL];
  private long tailCount;
  private final byte[] line = new byte[LINE];
  private int lineLength;
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final CompletableFuture<String> panic = new CompletableFuture<>();

  public ConsoleLog(Path file) throws IOException {
    this.file = file;
    Path old = file.resolveSibling(file.getFileName() + ".1");
    if (Files.exists(file)) {
      Files.move(file, old, StandardCopyOption.REPLACE_EXISTING);
    }
    this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }

  /** Completes with the marker line (e.g. {@code SBX-GUEST-READY uptime=14.2}) when it appears. */
  public CompletableFuture<String> ready() {
    return ready;
  }

  /**
   * Completes with the kernel's panic message when one appears. The guest controls its console, so
   * this only ever describes its own sandbox's end: a panic reboots the guest, which would
   * otherwise look like a clean poweroff.
   */
  public CompletableFuture<String> panic() {
    return panic;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    if (written + len > MAX_BYTES) {
      rotate();
    }
    out.write(b, off, len);
    written += len;
    for (int i = off; i < off + len; i++) {
      tail[(int) (tailCount++ % TAIL)] = b[i];
      scan(b[i]);
    }
  }

  private void scan(byte b) {
    if (b == '\n') {
      if (!ready.isDone() && startsWithMarker()) {
        ready.complete(new String(line, 0, lineLength, StandardCharsets.UTF_8).strip());
      }
      if (!panic.isDone()) {
        String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
        int at = text.indexOf(PANIC_MARKER);
        if (at >= 0) {
          panic.complete(printable(text.substring(at + PANIC_MARKER.length()).strip()));
        }
      }
      lineLength = 0;
    } else if (lineLength < LINE) {
      line[lineLength++] = b;
    }
  }

  private boolean startsWithMarker() {
    byte[] m = READY_MARKER.getBytes(StandardCharsets.US_ASCII);
    if (lineLength < m.length) {
      return false;
    }
    for (int i = 0; i < m.length; i++) {
      if (line[i] != m[i]) {
        return false;
      }
    }
    return true;
  }

  /** Guest text for a state file: control characters out (the line is already at most 256 bytes). */
  private static String printable(String text) {
    return text.codePoints().filter(c -> c >= 0x20 && c != 0x7f)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  private void rotate() throws IOException {
    out.close();
    Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    written = 0;
  }

  /** The last {@code lines} lines seen (from the last 8 KiB), for error messages. */
  public synchronized String tail(int lines) {
    int n = (int) Math.min(tailCount, TAIL);
    byte[] t = new byte[n];
    for (int i = 0; i < n; i++) {
      t[i] = tail[(int) ((tailCount - n + i) % TAIL)];
    }
    return lastLines(new String(t, StandardCharsets.UTF_8), lines);
  }

  /** The last {@code lines} lines of a console file, for the CLI's error messages. */
  public static String tailOf(Path file, int lines) {
    try {
      long size = Files.size(file);
      byte[] all;
      try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
        int n = (int) Math.min(size, TAIL);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(n);
        ch.read(buf, size - n);
        all = buf.array();
      }
      return lastLines(new String(all, StandardCharsets.UTF_8), lines);
    } catch (IOException e) {
      return "";
    }
  }

  private static String lastLines(String text, int lines) {
    String[] all = text.replace("\r", "").split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
  }

  @Override
  public synchronized void flush() throws IOException {
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
