package dev.sbx.proxy.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes files whole or not at all: temp file in the same directory, fsync, atomic rename. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code target}; {@code privateFile} makes it 0600 in a 0700 directory. */
  public static void write(Path target, byte[] bytes, boolean privateFile) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    createDirectories(dir, privateFile);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      if (posix(dir)) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
            privateFile ? PosixFilePermissions.fromString("rw-------") : PosixFilePermissions.fromString("rw-r--r--")));
      } else {
        Files.createFile(tmp);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Creates {@code dir} (0700 when private) if missing. */
  public static void createDirectories(Path dir, boolean privateDir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (privateDir && posix(dir.getRoot())) {
      FileAttribute<Set<PosixFilePermission>> attr =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
      try {
        Files.createDirectories(dir, attr);
      } catch (FileAlreadyExistsException e) {
        // a racing writer created it
      }
    } else {
      Files.createDirectories(dir);
    }
  }

  private static boolean posix(Path p) {
    return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void fsyncDirectory(Path dir) {
    // Makes the rename durable on Linux; other systems refuse to open directories, which is fine.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort
    }
  }
}
