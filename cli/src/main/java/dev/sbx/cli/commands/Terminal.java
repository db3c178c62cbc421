package dev.sbx.cli.commands;

/** Whether sbx talks to a person: stdin and stdout both terminals. */
final class Terminal {
  private Terminal() {}

  static boolean interactive() {
    return System.console() != null;
  }
}
