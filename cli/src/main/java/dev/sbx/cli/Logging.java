package dev.sbx.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Logging set-up: one log file per process under the logs directory, INFO by default;
 * {@code --debug} raises it to DEBUG and copies it to stderr.
 */
public final class Logging {
  /** Old per-process logs beyond this many are deleted at start-up. */
  private static final int KEEP_FILES = 50;
  private static volatile Path currentFile;

  private Logging() {}

  /**
   * Configures logback for this process. {@code kind} names the process ("sbx", "vmm", "proxy")
   * and prefixes the file name.
   */
  public static void configure(SbxPaths paths, String kind, boolean debug) {
    Path file = paths.logs().resolve(kind + "-" + ProcessHandle.current().pid() + ".log");
    configure(file, debug, kind + "-");
  }

  /** Configures logback to write to {@code file}; files beside it starting with {@code prefix} are pruned. */
  public static void configure(Path file, boolean debug, String prefix) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(debug ? Level.DEBUG : Level.INFO);
    try {
      Files.createDirectories(file.getParent());
      prune(file.getParent(), prefix);
      PatternLayoutEncoder enc = encoder(ctx, "%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n");
      FileAppender<ILoggingEvent> fa = new FileAppender<>();
      fa.setContext(ctx);
      fa.setName("file");
      fa.setFile(file.toString());
      fa.setEncoder(enc);
      fa.start();
      root.addAppender(fa);
      currentFile = file;
    } catch (IOException | RuntimeException e) {
      // Logging must never stop the command: fall back to stderr-only at WARN.
      System.err.println("WARNING: cannot write log file " + file + ": " + e.getMessage());
    }
    if (debug || currentFile == null) {
      ConsoleAppender<ILoggingEvent> ca = new ConsoleAppender<>();
      ca.setContext(ctx);
      ca.setName("stderr");
      ca.setTarget("System.err");
      ca.setEncoder(encoder(ctx, "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n"));
      ThresholdFilter f = new ThresholdFilter();
      f.setLevel(debug ? "DEBUG" : "WARN");
      f.start();
      ca.addFilter(f);
      ca.start();
      root.addAppender(ca);
    }
  }

  public static Path currentLogFile() {
    return currentFile;
  }

  private static PatternLayoutEncoder encoder(LoggerContext ctx, String pattern) {
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern(pattern);
    enc.start();
    return enc;
  }

  private static void prune(Path dir, String prefix) throws IOException {
    List<Path> logs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*.log")) {
      ds.forEach(logs::add);
    }
    if (logs.size() < KEEP_FILES) {
      return;
    }
    logs.sort(Comparator.comparing(p -> p.toFile().lastModified()));
    for (Path p : logs.subList(0, logs.size() - KEEP_FILES + 1)) {
      Files.deleteIfExists(p);
    }
  }
}
