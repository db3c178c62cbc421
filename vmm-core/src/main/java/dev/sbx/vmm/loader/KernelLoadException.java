package dev.sbx.vmm.loader;

/** The kernel or initrd file cannot be booted; the message says why and what to use instead. */
public final class KernelLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public KernelLoadException(String message) {
    super(message);
  }

  public KernelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
