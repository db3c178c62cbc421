package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.sbx.vmm.hypervisor.EventNotifier;
import java.io.IOException;

/** A non-blocking Linux eventfd, created here or adopted from a peer (vhost-user kick/call). */
public final class EventFd implements EventNotifier {
  private final int fd;
  private final ThreadLocal<Memory> buf = ThreadLocal.withInitial(() -> new Memory(8));
  private volatile boolean closed;

  private EventFd(int fd) {
    this.fd = fd;
  }

  public static EventFd create() throws IOException {
    try {
      return new EventFd(LinuxLibC.eventfd(0, LinuxLibC.EFD_CLOEXEC | LinuxLibC.EFD_NONBLOCK));
    } catch (LastErrorException e) {
      throw new IOException("eventfd failed: " + LinuxLibC.describe(e));
    }
  }

  /** Takes ownership of an eventfd received from elsewhere. */
  public static EventFd adopt(int fd) {
    return new EventFd(fd);
  }

  @Override
  public void signal() {
    if (closed) {
      return;
    }
    Memory m = buf.get();
    m.setLong(0, 1);
    try {
      LinuxLibC.write(fd, m, 8);
    } catch (LastErrorException e) {
      // EAGAIN: the counter is saturated, so the event is signalled already.
      if (e.getErrorCode() != LinuxLibC.EAGAIN) {
        throw new IllegalStateException("eventfd write failed: " + LinuxLibC.describe(e));
      }
    }
  }

  @Override
  public long drain() {
    Memory m = buf.get();
    try {
      return LinuxLibC.read(fd, m, 8) == 8 ? m.getLong(0) : 0;
    } catch (LastErrorException e) {
      // EAGAIN: nothing pending. A peer's fd may also be blocking-mode; we only read after epoll.
      return 0;
    }
  }

  @Override
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
