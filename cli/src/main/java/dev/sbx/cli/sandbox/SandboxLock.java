package dev.sbx.cli.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A file lock shared between sbx processes. Exclusive locks serialise state changes of one
 * sandbox; shared locks mark open sessions, so {@code rm} can tell whether one is active.
 */
public final class SandboxLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SandboxLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static SandboxLock exclusive(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      return new SandboxLock(ch, ch.lock());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** A shared lock: many holders at once, none while someone holds it exclusively. */
  public static SandboxLock shared(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      return new SandboxLock(ch, ch.lock(0, Long.MAX_VALUE, true));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** An exclusive lock if nobody holds any lock on the file, else empty. */
  public static Optional<SandboxLock> tryExclusive(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null; // held by this very process
      }
      if (l == null) {
        ch.close();
        return Optional.empty();
      }
      return Optional.of(new SandboxLock(ch, l));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
