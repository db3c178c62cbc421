package dev.sbx.vmm.virtio.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** errno for the IOExceptions NIO channels throw (they carry the strerror text only). */
final class IoErrors {
  private IoErrors() {}

  static int errno(IOException e) {
    if (e instanceof AccessDeniedException) {
      return Errno.EACCES;
    }
    if (e instanceof NoSuchFileException) {
      return Errno.ENOENT;
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("No space left")) {
      return Errno.ENOSPC;
    }
    if (m.contains("quota")) {
      return Errno.EDQUOT;
    }
    if (m.contains("File too large")) {
      return Errno.EFBIG;
    }
    return Errno.EIO;
  }
}
