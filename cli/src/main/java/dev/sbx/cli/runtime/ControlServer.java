package dev.sbx.cli.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMM's control socket: a Unix socket, mode 0600, one request line per connection
 * ({@code VERB [argument]}), dispatched through a verb table. Requests are untrusted even from
 * the owner's processes: the line is bounded, the first line must arrive within a few seconds,
 * and at most {@link #MAX_CLIENTS} connections are served at once.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
  static final int MAX_LINE = 512;
  static final int MAX_CLIENTS = 64;
  static final long FIRST_LINE_SECONDS = 10;

  private final Path path;
  private final ServerSocketChannel listener;
  private final Map<String, ControlVerb> verbs = new ConcurrentHashMap<>();
  private final Semaphore slots = new Semaphore(MAX_CLIENTS);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "control-timeouts");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  private ControlServer(Path path, ServerSocketChannel listener) {
    this.path = path;
    this.listener = listener;
  }

  /**
   * Binds {@code path} with mode 0600. The socket is created under {@code privateDir} (0700) and
   * renamed into place, so it is never reachable with looser permissions.
   */
  public static ControlServer start(Path path, Path privateDir) throws IOException {
    Files.createDirectories(privateDir);
    Files.setPosixFilePermissions(privateDir, PosixFilePermissions.fromString("rwx------"));
    Path tmp = privateDir.resolve("control.tmp");
    Files.deleteIfExists(tmp);
    ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      l.bind(UnixDomainSocketAddress.of(tmp));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      l.close();
      Files.deleteIfExists(tmp);
      throw new IOException("cannot create the control socket " + path + ": " + e.getMessage(), e);
    }
    ControlServer s = new ControlServer(path, l);
    Thread t = new Thread(s::acceptLoop, "control-accept");
    t.setDaemon(true);
    t.start();
    return s;
  }

  /** Adds or replaces a verb (upper case, letters only). */
  public void register(String verb, ControlVerb handler) {
    if (!verb.matches("[A-Z]{1,16}")) {
      throw new IllegalArgumentException("bad verb '" + verb + "'");
    }
    verbs.put(verb, handler);
  }

  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel c;
      try {
        c = listener.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          log.warn("control socket accept failed: {}", e.getMessage());
        }
        return;
      }
      if (!slots.tryAcquire()) {
        reject(c);
        continue;
      }
      Thread t = new Thread(() -> {
        try {
          serve(c);
        } finally {
          slots.release();
        }
      }, "control-client");
      t.setDaemon(true);
      t.start();
    }
  }

  private static void reject(SocketChannel c) {
    try (c) {
      new ControlConnection(c).reply("ERR too many control connections; try again");
    } catch (IOException ignored) {
      // The client went away.
    }
  }

  private void serve(SocketChannel c) {
    ControlConnection conn = new ControlConnection(c);
    ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(c), FIRST_LINE_SECONDS, TimeUnit.SECONDS);
    try (c) {
      String line;
      try {
        line = LineReader.read(c, MAX_LINE);
      } catch (LineReader.LineTooLongException e) {
        conn.reply("ERR request " + e.getMessage());
        return;
      } finally {
        deadline.cancel(false);
      }
      int sp = line.indexOf(' ');
      String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
      String arg = sp < 0 ? "" : line.substring(sp + 1);
      ControlVerb handler = verb.matches("[A-Z]{1,16}") ? verbs.get(verb) : null;
      if (handler == null) {
        conn.reply("ERR unknown request '" + printable(verb) + "'; known: " + String.join(" ", verbs.keySet()));
        return;
      }
      try {
        handler.handle(arg, conn);
      } catch (IllegalArgumentException e) {
        conn.reply("ERR " + printable(e.getMessage()));
      }
    } catch (IOException e) {
      log.debug("control client: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.warn("control request failed", e);
    }
  }

  /** Echoed request text: printable ASCII only, short. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 40; i++) {
      char ch = s.charAt(i);
      b.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    return b.toString();
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
    timer.shutdownNow();
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", path, e.getMessage());
    }
  }
}
