package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A stream-mode AF_UNIX socket that can pass file descriptors (SCM_RIGHTS), which Java's own
 * Unix-domain channels cannot. Received descriptors are close-on-exec and owned by the caller.
 */
public final class UnixSocket implements AutoCloseable {
  /** Most descriptors accepted with one message; vhost-user sends at most 8. */
  public static final int MAX_FDS = 16;
  private static final int SOCKADDR_UN_SIZE = 110;
  private static final int MSGHDR_SIZE = 56;
  private static final int CMSG_HDR = 16;
  private static final int CONTROL_SIZE = CMSG_HDR + 4 * MAX_FDS;

  private final int fd;
  private volatile boolean closed;

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  private static Memory address(Path path) throws IOException {
    byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
    if (p.length > SOCKADDR_UN_SIZE - 3) {
      throw new IOException("socket path " + path + " is longer than " + (SOCKADDR_UN_SIZE - 3)
          + " bytes; use a shorter path");
    }
    Memory m = new Memory(SOCKADDR_UN_SIZE);
    m.clear();
    m.setShort(0, (short) LinuxLibC.AF_UNIX);
    m.write(2, p, 0, p.length);
    return m;
  }

  private static int newSocket() throws IOException {
    try {
      return LinuxLibC.socket(LinuxLibC.AF_UNIX, LinuxLibC.SOCK_STREAM | LinuxLibC.SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new IOException("socket(AF_UNIX) failed: " + LinuxLibC.describe(e));
    }
  }

  /** Binds and listens at {@code path}, which must not exist. */
  public static UnixSocket listen(Path path) throws IOException {
    int fd = newSocket();
    try {
      LinuxLibC.bind(fd, address(path), SOCKADDR_UN_SIZE);
      LinuxLibC.listen(fd, 4);
      return new UnixSocket(fd);
    } catch (LastErrorException e) {
      LinuxLibC.closeQuietly(fd);
      throw new IOException("cannot listen on " + path + ": " + LinuxLibC.describe(e));
    } catch (IOException e) {
      LinuxLibC.closeQuietly(fd);
      throw e;
    }
  }

  public static UnixSocket connect(Path path) throws IOException {
    int fd = newSocket();
    try {
      LinuxLibC.connect(fd, address(path), SOCKADDR_UN_SIZE);
      return new UnixSocket(fd);
    } catch (LastErrorException e) {
      LinuxLibC.closeQuietly(fd);
      throw new IOException("cannot connect to " + path + ": " + LinuxLibC.describe(e));
    } catch (IOException e) {
      LinuxLibC.closeQuietly(fd);
      throw e;
    }
  }

  /** Waits for one connection; throws once the socket is shut down. */
  public UnixSocket accept() throws IOException {
    while (true) {
      try {
        return new UnixSocket(LinuxLibC.accept4(fd, Pointer.NULL, Pointer.NULL, LinuxLibC.SOCK_CLOEXEC));
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LinuxLibC.EINTR || closed) {
          throw new IOException("accept failed: " + LinuxLibC.describe(e));
        }
      }
    }
  }

  /**
   * Receives up to {@code length} bytes; descriptors that came with them are appended to {@code
   * fds}.
   *
   * @return bytes received, 0 at end of stream
   */
  public int receive(byte[] dst, int offset, int length, List<Integer> fds) throws IOException {
    Memory data = new Memory(Math.max(1, length));
    Memory iov = new Memory(16);
    iov.setPointer(0, data);
    iov.setLong(8, length);
    Memory control = new Memory(CONTROL_SIZE);
    control.clear();
    Memory msg = new Memory(MSGHDR_SIZE);
    msg.clear();
    msg.setPointer(16, iov);
    msg.setLong(24, 1);
    msg.setPointer(32, control);
    msg.setLong(40, CONTROL_SIZE);
    long n;
    while (true) {
      try {
        n = LinuxLibC.recvmsg(fd, msg, LinuxLibC.MSG_CMSG_CLOEXEC);
        break;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LinuxLibC.EINTR) {
          throw new IOException("recvmsg failed: " + LinuxLibC.describe(e));
        }
      }
    }
    long controlLen = msg.getLong(40);
    boolean truncated = (msg.getInt(48) & LinuxLibC.MSG_CTRUNC) != 0;
    for (long off = 0; off + CMSG_HDR <= controlLen; ) {
      long len = control.getLong(off);
      if (len < CMSG_HDR || off + len > controlLen) {
        break;
      }
      if (control.getInt(off + 8) == LinuxLibC.SOL_SOCKET && control.getInt(off + 12) == LinuxLibC.SCM_RIGHTS) {
        for (long i = 0; i < (len - CMSG_HDR) / 4; i++) {
          fds.add(control.getInt(off + CMSG_HDR + 4 * i));
        }
      }
      off += (len + 7) & ~7L;
    }
    if (truncated) {
      for (int f : fds) {
        LinuxLibC.closeQuietly(f);
      }
      fds.clear();
      throw new IOException("peer sent more than " + MAX_FDS + " file descriptors");
    }
    if (n > 0) {
      data.read(0, dst, offset, (int) n);
    }
    return (int) n;
  }

  /** Receives exactly {@code length} bytes (descriptors, if any, go to {@code fds}). */
  public void receiveFully(byte[] dst, int offset, int length, List<Integer> fds) throws IOException {
    int got = 0;
    while (got < length) {
      int n = receive(dst, offset + got, length - got, fds);
      if (n == 0) {
        throw new EOFException("peer closed the connection");
      }
      got += n;
    }
  }

  /** Sends all of {@code src}, with {@code fds} attached to the first chunk. */
  public void send(byte[] src, int offset, int length, int... fds) throws IOException {
    if (fds.length > MAX_FDS) {
      throw new IllegalArgumentException("too many descriptors");
    }
    Memory data = new Memory(Math.max(1, length));
    if (length > 0) {
      data.write(0, src, offset, length);
    }
    int sent = 0;
    boolean first = true;
    do {
      Memory iov = new Memory(16);
      iov.setPointer(0, data.share(sent));
      iov.setLong(8, length - sent);
      Memory msg = new Memory(MSGHDR_SIZE);
      msg.clear();
      msg.setPointer(16, iov);
      msg.setLong(24, 1);
      if (first && fds.length > 0) {
        long cmsgLen = CMSG_HDR + 4L * fds.length;
        Memory control = new Memory((cmsgLen + 7) & ~7L);
        control.clear();
        control.setLong(0, cmsgLen);
        control.setInt(8, LinuxLibC.SOL_SOCKET);
        control.setInt(12, LinuxLibC.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
          control.setInt(CMSG_HDR + 4L * i, fds[i]);
        }
        msg.setPointer(32, control);
        msg.setLong(40, control.size());
      }
      try {
        sent += (int) LinuxLibC.sendmsg(fd, msg, LinuxLibC.MSG_NOSIGNAL);
        first = false;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LinuxLibC.EINTR) {
          throw new IOException("sendmsg failed: " + LinuxLibC.describe(e));
        }
      }
    } while (sent < length);
  }

  public void send(byte[] src) throws IOException {
    send(src, 0, src.length);
  }

  /** Wakes any thread blocked in accept or receive on this socket. */
  public void shutdown() {
    try {
      LinuxLibC.shutdown(fd, LinuxLibC.SHUT_RDWR);
    } catch (LastErrorException ignored) {
      // Not connected (a listener): accept still wakes with EINVAL.
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      shutdown();
      LinuxLibC.closeQuietly(fd);
    }
  }
}
