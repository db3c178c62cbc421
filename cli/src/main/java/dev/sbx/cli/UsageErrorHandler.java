package dev.sbx.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** Usage errors: one line, a hint at {@code --help}, exit 2. */
final class UsageErrorHandler implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    cl.getErr().println("ERROR: " + ex.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName()
        + " --help')");
    return ExitCodes.USAGE;
  }
}
