package dev.sbx.vmm.tcg;

/** The emulated engine cannot start or run; the message says why and how to fix it. */
public final class TcgException extends Exception {
  private static final long serialVersionUID = 1L;

  public TcgException(String message) {
    super(message);
  }

  public TcgException(String message, Throwable cause) {
    super(message, cause);
  }
}
