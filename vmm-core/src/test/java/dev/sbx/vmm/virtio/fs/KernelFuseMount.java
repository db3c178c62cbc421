package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.testing.ByteChain;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.sbx.vmm.os.linux.LinuxFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Mounts a {@link FuseServer} through the host kernel's own FUSE client ({@code /dev/fuse}): the
 * same protocol virtio-fs carries, so the real kernel checks every struct layout. Needs root.
 */
final class KernelFuseMount implements AutoCloseable {
  private static final int MS_NOSUID = 2;
  private static final int MS_NODEV = 4;
  private static final int MNT_DETACH = 2;

  static {
    Native.register(KernelFuseMount.class, NativeLibrary.getInstance("c"));
  }

  private static native int mount(String source, String target, String type, long flags, String data)
      throws LastErrorException;

  private static native int umount2(String target, int flags) throws LastErrorException;

  private static native long read(int fd, byte[] buf, long count) throws LastErrorException;

  private static native long write(int fd, byte[] buf, long count) throws LastErrorException;

  private final int fd;
  private final Path target;
  private final Thread loop;
  private volatile Throwable failure;

  KernelFuseMount(FuseServer server, Path target, int maxWrite) {
    this.target = target;
    this.fd = LinuxFiles.open((("/dev/fuse") + "\0").getBytes(StandardCharsets.US_ASCII),
        LinuxFiles.O_RDWR | LinuxFiles.O_CLOEXEC, 0);
    mount("sbx-test", target.toString(), "fuse", MS_NOSUID | MS_NODEV,
        "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other");
    loop = new Thread(() -> serve(server, maxWrite), "fuse-kernel-loop");
    loop.setDaemon(true);
    loop.start();
  }

  private void serve(FuseServer server, int maxWrite) {
    byte[] buf = new byte[maxWrite + 65536];
    try {
      while (true) {
        long n;
        try {
          n = read(fd, buf, buf.length);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == 4 || e.getErrorCode() == 2) { // EINTR, ENOENT (request aborted)
            continue;
          }
          return; // ENODEV: unmounted
        }
        ByteChain.Writer out = new ByteChain.Writer(maxWrite + 4096);
        int used = server.handle(new ByteChain.Reader(Arrays.copyOf(buf, (int) n)), out);
        if (used > 0) {
          try {
            write(fd, out.bytes(), used);
          } catch (LastErrorException e) {
            if (e.getErrorCode() == 19) { // ENODEV: unmounted meanwhile
              return;
            }
            if (e.getErrorCode() != 2) { // ENOENT: the request was interrupted meanwhile
              throw e;
            }
          }
        }
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      LinuxFiles.closeQuietly(fd);
    }
  }

  Throwable failure() {
    return failure;
  }

  @Override
  public void close() throws InterruptedException {
    // The unmount ends the connection once nothing uses the mount (a live mmap can delay that
    // until the GC unmaps it); the loop then gets ENODEV and closes /dev/fuse itself, so the
    // descriptor number cannot be reused by another mount while this loop still reads it.
    umount2(target.toString(), MNT_DETACH);
    loop.join(2_000);
  }
}
