package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server behind the host kernel's real FUSE client: what a guest's virtiofs driver sends,
 * through the same kernel code (fs/fuse), checked against the backing folder. Needs root and
 * /dev/fuse (the development and CI machines run the build as root).
 */
class FuseKernelMountTest {
  @TempDir Path tmp;

  static void assumeRootAndFuse() {
    assumeTrue(LinuxFiles.getuid() == 0 && Files.exists(Path.of("/dev/fuse")),
        "needs root and /dev/fuse to mount through the kernel's FUSE client");
  }

  @Test
  void kernelClientDrivesTheServer() throws Exception {
    assumeRootAndFuse();
    Path share = Files.createDirectory(tmp.resolve("share"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Path outside = Files.writeString(tmp.resolve("secret"), "secret");
    Files.writeString(share.resolve("host.txt"), "from the host");
    Files.createSymbolicLink(share.resolve("escape"), outside);
    Files.createSymbolicLink(share.resolve("up"), Path.of("../secret"));
    FuseConfig cfg = new FuseConfig(false, new IdMapping(1000, 1000, 0, 0), 4096, 1024, 1 << 20, true, 0);
    try (FuseServer server = FuseServer.open(share, cfg)) {
      KernelFuseMount m = new KernelFuseMount(server, mnt, 1 << 20);
      try {
        assertEquals("from the host", Files.readString(mnt.resolve("host.txt")));
        assertEquals(1000, (Integer) Files.getAttribute(mnt.resolve("host.txt"), "unix:uid"),
            "the host user appears as uid 1000");
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) {
          big[i] = (byte) (i % 251);
        }
        Files.write(mnt.resolve("big.bin"), big);
        assertArrayEquals(big, Files.readAllBytes(share.resolve("big.bin")));
        assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big.bin")));
        Files.createDirectories(mnt.resolve("a/b/c"));
        Files.writeString(mnt.resolve("a/b/c/f"), "deep");
        Files.move(mnt.resolve("a/b/c/f"), mnt.resolve("a/g"), StandardCopyOption.ATOMIC_MOVE);
        assertEquals("deep", Files.readString(share.resolve("a/g")));
        Files.createSymbolicLink(mnt.resolve("a/ln"), Path.of("g"));
        assertEquals("deep", Files.readString(mnt.resolve("a/ln")), "the kernel resolves relative links");
        Files.createLink(mnt.resolve("a/hard"), mnt.resolve("a/g"));
        assertTrue(Files.isSameFile(share.resolve("a/hard"), share.resolve("a/g")));
        try (FileChannel ch = FileChannel.open(mnt.resolve("a/g"), StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap("DE".getBytes(StandardCharsets.UTF_8)), 0);
          ch.force(true);
        }
        assertEquals("DEep", Files.readString(share.resolve("a/g")));
        try (RandomAccessFile raf = new RandomAccessFile(mnt.resolve("mapped").toFile(), "rw")) {
          raf.setLength(8192);
          MappedByteBuffer map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 8192);
          map.put(4096, (byte) 42);
          map.force();
        }
        assertEquals(42, Files.readAllBytes(share.resolve("mapped"))[4096], "mmap writes reach the host");
        Set<String> names;
        try (Stream<Path> s = Files.list(mnt)) {
          names = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertEquals(Set.of("host.txt", "escape", "up", "big.bin", "a", "mapped"), names);
        // Symlinks to the outside resolve in the mount's namespace: here the host's, so the
        // kernel reads /tmp/.../secret itself. In a guest that path is the guest's own file.
        assertEquals(outside.toString(), Files.readSymbolicLink(mnt.resolve("escape")).toString());
        Files.delete(mnt.resolve("a/hard"));
        Files.delete(mnt.resolve("a/ln"));
        assertFalse(Files.exists(share.resolve("a/ln"), LinkOption.NOFOLLOW_LINKS));
        assertThrows(FileSystemException.class, () -> Files.delete(mnt.resolve("a")));
        Files.writeString(share.resolve("host2.txt"), "late");
        assertEquals("late", Files.readString(mnt.resolve("host2.txt")), "host changes show up");
        assertTrue(Files.getFileStore(mnt).getTotalSpace() > 0, "statfs");
        Path many = Files.createDirectory(share.resolve("many"));
        for (int i = 0; i < 600; i++) {
          Files.writeString(many.resolve("entry-with-a-longer-name-" + i), Integer.toString(i));
        }
        try (Stream<Path> s = Files.list(mnt.resolve("many"))) {
          assertEquals(600, s.count(), "listings longer than one reply page through offsets");
        }
        try (Stream<Path> s = Files.list(mnt.resolve("many"))) {
          assertEquals(600, s.filter(p -> Files.isRegularFile(p)).count(), "and stat through READDIRPLUS nodes");
        }
        assertNull(m.failure());
      } finally {
        m.close();
      }
      assertNull(m.failure());
    }
    assertEquals("secret", Files.readString(outside));
  }

  @Test
  void readOnlyShareRefusesWritesThroughTheKernel() throws Exception {
    assumeRootAndFuse();
    Path share = Files.createDirectory(tmp.resolve("share"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Files.writeString(share.resolve("f"), "keep");
    FuseConfig cfg = new FuseConfig(true, new IdMapping(1000, 1000, 0, 0), 4096, 1024, 1 << 20, true, 0);
    try (FuseServer server = FuseServer.open(share, cfg)) {
      KernelFuseMount m = new KernelFuseMount(server, mnt, 1 << 20);
      try {
        assertEquals("keep", Files.readString(mnt.resolve("f")));
        for (Runnable attempt : List.<Runnable>of(
            () -> write(mnt.resolve("f"), "x"),
            () -> write(mnt.resolve("new"), "x"))) {
          IOException e = assertThrows(IOException.class, () -> {
            try {
              attempt.run();
            } catch (RuntimeException r) {
              throw (IOException) r.getCause();
            }
          });
          assertTrue(e.getMessage().contains("Read-only file system") || e instanceof AccessDeniedException,
              e.toString());
        }
        assertThrows(FileSystemException.class, () -> Files.createDirectory(mnt.resolve("d")));
        assertThrows(FileSystemException.class, () -> Files.delete(mnt.resolve("f")));
        assertEquals("keep", Files.readString(share.resolve("f")));
        assertFalse(Files.exists(share.resolve("new")));
      } finally {
        m.close();
      }
      assertNull(m.failure());
    }
  }

  private static void write(Path p, String s) {
    try {
      Files.writeString(p, s);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }
}
