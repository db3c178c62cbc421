package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @Test
  void deleteNeverCrossesIntoAMountedFileSystem(@TempDir Path dir) throws Exception {
    assumeTrue(Prerequisites.runningAsRoot(), "needs root to mount a tmpfs");
    Path inner = Files.createDirectories(dir.resolve("work/rootfs/proc"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", inner.toString()).start();
    assertEquals(0, mount.waitFor());
    try {
      Files.writeString(inner.resolve("host-file"), "must survive");
      IOException e = assertThrows(IOException.class, () -> FileTrees.delete(dir.resolve("work")));
      assertTrue(e.getMessage().contains("umount"), e.getMessage());
      assertEquals("must survive", Files.readString(inner.resolve("host-file")));
    } finally {
      new ProcessBuilder("umount", inner.toString()).start().waitFor();
    }
  }

  @Test
  void deleteRemovesATreeAndNeverFollowsALinkOutOfIt(@TempDir Path dir) throws Exception {
    Path outside = Files.writeString(dir.resolve("outside.txt"), "keep");
    Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(dir.resolve("tree/a/link"), outside);
    Files.createSymbolicLink(dir.resolve("tree/dirlink"), dir);
    FileTrees.delete(dir.resolve("tree"));
    assertFalse(Files.exists(dir.resolve("tree")));
    assertEquals("keep", Files.readString(outside));
    FileTrees.delete(dir.resolve("tree")); // already gone: nothing to do
    FileTrees.delete(outside); // a single file
    assertFalse(Files.exists(outside));
  }
}
