package dev.sbx.cli;

/** Exit statuses of {@code sbx}, as documented in docs/cli.md. */
public final class ExitCodes {
  public static final int OK = 0;
  /** Failure, refusal or a cancelled prompt. */
  public static final int FAILURE = 1;
  /** Usage error: rejected before any state was touched. */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
