import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.VirtioException;
import dev.sbx.vmm.virtio.fs.FuseConfig;
import dev.sbx.vmm.virtio.fs.FuseServer;
import dev.sbx.vmm.virtio.fs.IdMapping;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The virtio-fs server behind the host kernel's FUSE client (/dev/fuse, same protocol), against
 * the backing folder used directly: sequential write and read, and a metadata workload (create,
 * stat walk, delete). Prints one line per figure. Needs root.
 */
public final class FuseMountBench {
  static {
    Native.register(FuseMountBench.class, NativeLibrary.getInstance("c"));
  }

  static native int open(String path, int flags) throws LastErrorException;

  static native int close(int fd);

  static native int mount(String src, String target, String type, long flags, String data) throws LastErrorException;

  static native int umount2(String target, int flags) throws LastErrorException;

  static native long read(int fd, byte[] buf, long n) throws LastErrorException;

  static native long write(int fd, byte[] buf, long n) throws LastErrorException;

  static final int MAX_WRITE = 1 << 20;

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("fusebench");
    Path share = Files.createDirectory(work.resolve("share"));
    Path mnt = Files.createDirectory(work.resolve("mnt"));
    long mib = args.length > 0 ? Long.parseLong(args[0]) : 256;
    int files = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    try {
      double[] fuse = new double[4];
      try (FuseServer server = FuseServer.open(share, new FuseConfig(false, IdMapping.currentUserAsAgent(), 65536,
          65536, MAX_WRITE, true, 1))) {
        int fd = mountOn(server, mnt);
        fuse[0] = seqWrite(mnt.resolve("big"), mib);
        unmount(mnt, fd);
        fd = mountOn(server, mnt); // cold guest-side page cache
        fuse[1] = seqRead(mnt.resolve("big"), mib);
        fuse[2] = createFiles(mnt.resolve("tree"), files);
        unmount(mnt, fd);
        fd = mountOn(server, mnt);
        fuse[3] = statWalk(mnt.resolve("tree"), files);
        delete(mnt.resolve("tree"));
        unmount(mnt, fd);
      }
      Path direct = Files.createDirectory(work.resolve("direct"));
      double[] host = {seqWrite(direct.resolve("big"), mib), seqRead(direct.resolve("big"), mib),
          createFiles(direct.resolve("tree"), files), statWalk(direct.resolve("tree"), files)};
      String[] what = {"sequential write MiB/s", "sequential read MiB/s", "create files/s", "stat walk files/s"};
      for (int i = 0; i < 4; i++) {
        System.out.printf("%-24s fuse %10.1f   host %10.1f   ratio %.2f%n", what[i], fuse[i], host[i], fuse[i] / host[i]);
      }
    } finally {
      delete(work);
    }
  }

  static int mountOn(FuseServer server, Path mnt) {
    int fd = open("/dev/fuse", 2 | 0x80000);
    mount("sbx-bench", mnt.toString(), "fuse", 6,
        "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other");
    Thread t = new Thread(() -> serve(server, fd), "fuse-loop");
    t.setDaemon(true);
    t.start();
    return fd;
  }

  static void unmount(Path mnt, int fd) {
    umount2(mnt.toString(), 2);
    close(fd);
  }

  static void serve(FuseServer server, int fd) {
    byte[] in = new byte[MAX_WRITE + 65536];
    byte[] out = new byte[MAX_WRITE + 4096];
    while (true) {
      long n;
      try {
        n = read(fd, in, in.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == 4 || e.getErrorCode() == 2) {
          continue;
        }
        return;
      }
      Chain c = new Chain(in, (int) n, out);
      int used = server.handle(c, c.writer());
      if (used > 0) {
        try {
          write(fd, out, used);
        } catch (LastErrorException e) {
          // ENOENT: interrupted request
        }
      }
    }
  }

  /** Reader over the request bytes, writer into the reply buffer. */
  static final class Chain implements ChainReader {
    final byte[] in;
    final int len;
    int pos;
    final byte[] out;
    int wpos;

    Chain(byte[] in, int len, byte[] out) {
      this.in = in;
      this.len = len;
      this.out = out;
    }

    public int remaining() {
      return len - pos;
    }

    public void read(byte[] dst, int off, int n) {
      if (n > remaining()) {
        throw new VirtioException("short");
      }
      System.arraycopy(in, pos, dst, off, n);
      pos += n;
    }

    public void skip(int n) {
      pos += n;
    }

    public long transferTo(FileChannel ch, long position, int n) throws IOException {
      int w = ch.write(ByteBuffer.wrap(in, pos, n), position);
      pos += w;
      return w;
    }

    ChainWriter writer() {
      return new ChainWriter() {
        public int remaining() {
          return out.length - wpos;
        }

        public int written() {
          return wpos;
        }

        public void write(byte[] src, int off, int n) {
          System.arraycopy(src, off, out, wpos, n);
          wpos += n;
        }

        public long transferFrom(FileChannel ch, long position, int n) throws IOException {
          int r = ch.read(ByteBuffer.wrap(out, wpos, n), position);
          if (r <= 0) {
            return 0;
          }
          wpos += r;
          return r;
        }
      };
    }
  }

  static double seqWrite(Path p, long mib) throws IOException {
    ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (long i = 0; i < mib; i++) {
        block.clear();
        while (block.hasRemaining()) {
          ch.write(block);
        }
      }
      ch.force(true);
    }
    return mib / ((System.nanoTime() - t0) / 1e9);
  }

  static double seqRead(Path p, long mib) throws IOException {
    ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
    long t0 = System.nanoTime();
    long total = 0;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      int n;
      while ((n = ch.read(block)) > 0) {
        total += n;
        block.clear();
      }
    }
    if (total != mib << 20) {
      throw new IllegalStateException("read " + total + " bytes");
    }
    return mib / ((System.nanoTime() - t0) / 1e9);
  }

  static double createFiles(Path root, int files) throws IOException {
    long t0 = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Path dir = root.resolve("d" + (i % 50));
      if (i < 50) {
        Files.createDirectories(dir);
      }
      Files.write(dir.resolve("f" + i), new byte[100]);
    }
    return files / ((System.nanoTime() - t0) / 1e9);
  }

  static double statWalk(Path root, int files) throws IOException {
    long t0 = System.nanoTime();
    long[] count = {0};
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(p -> {
        try {
          Files.readAttributes(p, BasicFileAttributes.class);
          count[0]++;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
    }
    if (count[0] != files + 51) {
      throw new IllegalStateException("walked " + count[0]);
    }
    return files / ((System.nanoTime() - t0) / 1e9);
  }

  static void delete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(x);
      }
    }
  }
}
