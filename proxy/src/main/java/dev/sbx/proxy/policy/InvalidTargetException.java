package dev.sbx.proxy.policy;

/** A destination or rule that cannot be normalised; the message names the bad part. */
public final class InvalidTargetException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidTargetException(String message) {
    super(message);
  }
}
