package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A raw descriptor on a file for what {@link java.nio.channels.FileChannel} cannot do: punching
 * holes with {@code fallocate(PUNCH_HOLE | KEEP_SIZE)}, so discarded blocks stop taking space.
 */
public final class SparseFile implements AutoCloseable {
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;
  private final int fd;
  private volatile boolean closed;

  private SparseFile(int fd) {
    this.fd = fd;
  }

  public static SparseFile open(Path path) throws IOException {
    try {
      return new SparseFile(LinuxLibC.open(path.toString(), LinuxLibC.O_RDWR | LinuxLibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      throw new IOException("cannot open " + path + ": " + LinuxLibC.describe(e));
    }
  }

  /**
   * Deallocates [offset, offset+length); reads there return zeros afterwards.
   *
   * @return false if the file system cannot punch holes (the caller writes zeros instead)
   */
  public boolean punchHole(long offset, long length) throws IOException {
    try {
      LinuxLibC.fallocate(fd, LinuxLibC.FALLOC_FL_PUNCH_HOLE | LinuxLibC.FALLOC_FL_KEEP_SIZE, offset, length);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EOPNOTSUPP || e.getErrorCode() == ENOSYS) {
        return false;
      }
      throw new IOException("fallocate(PUNCH_HOLE) failed: " + LinuxLibC.describe(e));
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LinuxLibC.closeQuietly(fd);
    }
  }
}
