package dev.sbx.cli;

/**
 * A failure to report to the user as one {@code ERROR: } line naming the problem and the fix,
 * without a stack trace.
 */
public class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public UserException(String message) {
    this(message, ExitCodes.FAILURE);
  }

  public UserException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public UserException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
