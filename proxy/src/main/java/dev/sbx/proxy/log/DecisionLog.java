package dev.sbx.proxy.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one JSON line per decision to {@code proxy.log}, rotating to {@code proxy.log.1 … .N}
 * when it grows past a size. Writes are small and synchronous so a crash loses at most a line.
 */
public final class DecisionLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final long maxBytes;
  private final int keep;
  private OutputStream out;
  private long size;

  public DecisionLog(Path file, long maxBytes, int keep) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  public Path file() {
    return file;
  }

  public synchronized void append(LogRecord r) {
    try {
      byte[] line = (JSON.writeValueAsString(r) + "\n").getBytes(StandardCharsets.UTF_8);
      if (out == null) {
        open();
      }
      if (size > 0 && size + line.length > maxBytes) {
        rotate();
      }
      out.write(line);
      out.flush();
      size += line.length;
    } catch (IOException e) {
      // The log is for the user; failing to write it must not break traffic decisions.
      LOG.warn("cannot write decision log {}: {}", file, e.getMessage());
    }
  }

  private void open() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  private void rotate() throws IOException {
    out.close();
    for (int i = keep - 1; i >= 1; i--) {
      Path from = file.resolveSibling(file.getFileName() + "." + i);
      if (Files.exists(from)) {
        Files.move(from, file.resolveSibling(file.getFileName() + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
    open();
  }

  /** All records of {@code file} and its rotations, oldest first; unreadable lines are skipped. */
  public static List<LogRecord> read(Path file, int keep) throws IOException {
    List<LogRecord> out = new ArrayList<>();
    for (int i = keep; i >= 0; i--) {
      Path p = i == 0 ? file : file.resolveSibling(file.getFileName() + "." + i);
      try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
        for (String line; (line = r.readLine()) != null; ) {
          try {
            out.add(JSON.readValue(line, LogRecord.class));
          } catch (IOException e) {
            // a torn last line after a crash
          }
        }
      } catch (NoSuchFileException e) {
        // not rotated that far
      }
    }
    return out;
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
