package dev.sbx.cli.policy;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.io.Console;

/** The {@code (y/N)} prompt of sbx-cli.md §2.0: default no; without a terminal, {@code -f} is required. */
public final class Confirm {
  private Confirm() {}

  /** Returns normally if confirmed (or forced); otherwise throws a {@link UserException} (exit 1). */
  public static void require(String question, boolean force) {
    if (force) {
      return;
    }
    Console c = System.console();
    if (c == null) {
      throw new UserException("stdin is not a terminal; use --force to skip confirmation", ExitCodes.FAILURE);
    }
    String answer = c.readLine("%s (y/N) ", question);
    if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
      throw new UserException("cancelled", ExitCodes.FAILURE);
    }
  }
}
