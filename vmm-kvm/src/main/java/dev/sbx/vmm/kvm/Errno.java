package dev.sbx.vmm.kvm;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;

/** errno formatting and quiet clean-up for the KVM backend. */
final class Errno {
  private static final Function STRERROR = Function.getFunction("c", "strerror");

  private Errno() {}

  static String describe(LastErrorException e) {
    String text = STRERROR.invokeString(new Object[] {e.getErrorCode()}, false);
    return (text == null ? "error" : text) + " (errno " + e.getErrorCode() + ")";
  }

  static void closeQuietly(int fd) {
    if (fd >= 0) {
      try {
        LibC.close(fd);
      } catch (LastErrorException e) {
        // Nothing useful to do: the descriptor is gone either way.
      }
    }
  }
}
