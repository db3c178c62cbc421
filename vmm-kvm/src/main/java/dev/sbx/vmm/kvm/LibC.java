package dev.sbx.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The libc calls the KVM backend needs, bound with JNA direct mapping (no reflective proxy per
 * call). {@code ioctl} is variadic, which direct mapping cannot express, so it is declared with
 * fixed arities; that is correct on Linux x86-64 and aarch64, where a variadic integer or pointer
 * argument travels in the same register as a fixed one.
 */
final class LibC {
  static final int O_RDWR = 0x2;
  static final int O_CLOEXEC = 0x80000;
  static final int PROT_READ = 0x1;
  static final int PROT_WRITE = 0x2;
  static final int MAP_SHARED = 0x01;
  static final int MAP_PRIVATE = 0x02;
  static final int MAP_ANONYMOUS = 0x20;
  static final int MAP_NORESERVE = 0x4000;
  static final int EFD_CLOEXEC = 0x80000;
  static final int EFD_NONBLOCK = 0x800;
  static final int SIG_BLOCK = 0;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int ENOENT = 2;
  static final int EACCES = 13;
  static final int EPERM = 1;
  static final int E2BIG = 7;
  /** glibc's {@code sigset_t} is 1024 bits. */
  static final int SIGSET_T_SIZE = 128;

  static {
    Native.register(NativeLibrary.getInstance("c"));
  }

  private LibC() {}

  static native int open(String path, int flags) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native int ioctl(int fd, long request, long arg) throws LastErrorException;

  static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

  static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  static native int munmap(Pointer addr, long length) throws LastErrorException;

  static native int eventfd(int initval, int flags) throws LastErrorException;

  static native long read(int fd, Pointer buf, long count) throws LastErrorException;

  static native long write(int fd, Pointer buf, long count) throws LastErrorException;

  static native long pthread_self();

  static native int pthread_kill(long thread, int sig);

  static native int pthread_sigmask(int how, Pointer set, Pointer oldset);

  static native int sigemptyset(Pointer set);

  static native int sigaddset(Pointer set, int signum);

  static native int sigdelset(Pointer set, int signum);

  static native int sigismember(Pointer set, int signum);

  static native int sigtimedwait(Pointer set, Pointer info, Pointer timeout);

  static native int __libc_current_sigrtmin();
}
