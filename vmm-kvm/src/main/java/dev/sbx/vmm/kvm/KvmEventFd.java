package dev.sbx.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.sbx.vmm.hypervisor.EventNotifier;
import dev.sbx.vmm.hypervisor.HypervisorException;

/** A non-blocking Linux eventfd. */
final class KvmEventFd implements EventNotifier {
  private final int fd;
  private final ThreadLocal<Memory> buf = ThreadLocal.withInitial(() -> new Memory(8));
  private volatile boolean closed;

  private KvmEventFd(int fd) {
    this.fd = fd;
  }

  static KvmEventFd create() throws HypervisorException {
    try {
      return new KvmEventFd(LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK));
    } catch (LastErrorException e) {
      throw new HypervisorException("eventfd failed: " + Errno.describe(e));
    }
  }

  @Override
  public void signal() {
    Memory m = buf.get();
    m.setLong(0, 1);
    try {
      LibC.write(fd, m, 8);
    } catch (LastErrorException e) {
      // EAGAIN means the counter is saturated: the event is signalled already.
      if (e.getErrorCode() != LibC.EAGAIN) {
        throw new IllegalStateException("eventfd write failed: " + Errno.describe(e));
      }
    }
  }

  @Override
  public long drain() {
    Memory m = buf.get();
    try {
      return LibC.read(fd, m, 8) == 8 ? m.getLong(0) : 0;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EAGAIN) {
        return 0;
      }
      throw new IllegalStateException("eventfd read failed: " + Errno.describe(e));
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
      Errno.closeQuietly(fd);
    }
  }
}
