package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls behind eventfd, epoll, Unix sockets with SCM_RIGHTS, shared mappings and hole
 * punching, bound with JNA direct mapping. Linux only; constants are the x86-64/aarch64 values.
 */
final class LinuxLibC {
  static final int EFD_CLOEXEC = 0x80000;
  static final int EFD_NONBLOCK = 0x800;
  static final int EPOLL_CLOEXEC = 0x80000;
  static final int EPOLL_CTL_ADD = 1;
  static final int EPOLL_CTL_DEL = 2;
  static final int EPOLLIN = 0x1;
  static final int EPOLLHUP = 0x10;
  static final int EPOLLERR = 0x8;
  /** struct epoll_event is packed (12 bytes) on x86-64, naturally aligned (16) elsewhere. */
  static final int EPOLL_EVENT_SIZE = Platform.isIntel() ? 12 : 16;
  static final int EPOLL_DATA_OFFSET = Platform.isIntel() ? 4 : 8;

  static final int AF_UNIX = 1;
  static final int SOCK_STREAM = 1;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SCM_RIGHTS = 1;
  static final int MSG_CMSG_CLOEXEC = 0x40000000;
  static final int MSG_NOSIGNAL = 0x4000;
  static final int MSG_CTRUNC = 0x8;
  static final int SHUT_RDWR = 2;

  static final int O_RDWR = 0x2;
  static final int O_RDONLY = 0x0;
  static final int O_CLOEXEC = 0x80000;
  static final int PROT_READ = 0x1;
  static final int PROT_WRITE = 0x2;
  static final int MAP_SHARED = 0x01;
  static final int MAP_NORESERVE = 0x4000;
  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_PUNCH_HOLE = 0x02;

  static final int EINTR = 4;
  static final int EAGAIN = 11;

  static {
    Native.register(NativeLibrary.getInstance("c"));
  }

  private LinuxLibC() {}

  static native int eventfd(int initval, int flags) throws LastErrorException;

  static native long read(int fd, Pointer buf, long count) throws LastErrorException;

  static native long write(int fd, Pointer buf, long count) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native int epoll_create1(int flags) throws LastErrorException;

  static native int epoll_ctl(int epfd, int op, int fd, Pointer event) throws LastErrorException;

  static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeout) throws LastErrorException;

  static native int socket(int domain, int type, int protocol) throws LastErrorException;

  static native int bind(int fd, Pointer addr, int len) throws LastErrorException;

  static native int listen(int fd, int backlog) throws LastErrorException;

  static native int accept4(int fd, Pointer addr, Pointer len, int flags) throws LastErrorException;

  static native int connect(int fd, Pointer addr, int len) throws LastErrorException;

  static native long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

  static native long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;

  static native int shutdown(int fd, int how) throws LastErrorException;

  static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  static native int munmap(Pointer addr, long length) throws LastErrorException;

  static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

  static native int open(String path, int flags) throws LastErrorException;

  static native int memfd_create(String name, int flags) throws LastErrorException;

  static native int ftruncate(int fd, long length) throws LastErrorException;

  static native long lseek(int fd, long offset, int whence) throws LastErrorException;

  static final int SEEK_END = 2;

  static native String strerror(int errnum);

  static String describe(LastErrorException e) {
    return strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
  }

  static void closeQuietly(int fd) {
    if (fd >= 0) {
      try {
        close(fd);
      } catch (LastErrorException ignored) {
        // Nothing useful to do: the descriptor is gone either way.
      }
    }
  }
}
