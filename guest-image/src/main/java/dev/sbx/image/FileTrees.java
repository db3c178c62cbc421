package dev.sbx.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Tree deletion that stays on one file system (image build trees, sandbox directories). */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes a file or directory tree without following symbolic links and without ever leaving
   * its file system: a build killed inside the chroot can leave /proc, /sys or /dev mounted in
   * the work tree, and following them would delete the host's files.
   */
  public static void delete(Path top) throws IOException {
    if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // Windows has no "unix" view; there a mount point inside the tree is a reparse point,
    // which the walk does not follow anyway.
    Object device = top.getFileSystem().supportedFileAttributeViews().contains("unix")
        ? Files.getAttribute(top, "unix:dev", LinkOption.NOFOLLOW_LINKS) : null;
    Files.walkFileTree(top, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (device != null && !device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
          throw new IOException("refusing to delete " + d + ": another file system is mounted there; "
              + "unmount it (umount -R " + d + ") and retry");
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
