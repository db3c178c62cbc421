package dev.sbx.vmm.os.linux;

/** Closing raw descriptors received from peers (SCM_RIGHTS) that nobody adopted. */
public final class FileDescriptors {
  private FileDescriptors() {}

  public static void close(int fd) {
    LinuxLibC.closeQuietly(fd);
  }
}
