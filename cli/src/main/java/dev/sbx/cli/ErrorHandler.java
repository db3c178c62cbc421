package dev.sbx.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns exceptions from commands into one {@code ERROR: } line and an exit code. */
final class ErrorHandler implements IExecutionExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
    if (ex instanceof UserException user) {
      log.info("error: {}", user.getMessage(), user.getCause());
      cl.getErr().println("ERROR: " + user.getMessage());
      return user.exitCode();
    }
    log.error("unexpected failure", ex);
    String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    cl.getErr().println("ERROR: " + message + " (internal error; details in " + Logging.currentLogFile()
        + ")");
    return ExitCodes.FAILURE;
  }
}
