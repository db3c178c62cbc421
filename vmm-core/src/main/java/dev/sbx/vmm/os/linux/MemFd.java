package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;

/** An anonymous memory file (memfd) of a fixed size: shareable guest RAM. */
public final class MemFd implements AutoCloseable {
  private static final int MFD_CLOEXEC = 1;
  private final int fd;
  private volatile boolean closed;

  private MemFd(int fd) {
    this.fd = fd;
  }

  public static MemFd create(String name, long size) throws IOException {
    int fd;
    try {
      fd = LinuxLibC.memfd_create(name, MFD_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("memfd_create failed: " + LinuxLibC.describe(e));
    }
    try {
      LinuxLibC.ftruncate(fd, size);
    } catch (LastErrorException e) {
      LinuxLibC.closeQuietly(fd);
      throw new IOException("ftruncate(memfd, " + size + ") failed: " + LinuxLibC.describe(e));
    }
    return new MemFd(fd);
  }

  public int fd() {
    return fd;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LinuxLibC.closeQuietly(fd);
    }
  }
}
