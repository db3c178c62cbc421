package dev.sbx.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.ParseResult;

/** Configures logging from the parsed global flags, then runs the chosen subcommand. */
final class LoggingExecutionStrategy implements IExecutionStrategy {
  @Override
  public int execute(ParseResult parseResult) {
    boolean debug = parseResult.hasMatchedOption("--debug")
        || parseResult.asCommandLineList().stream()
            .anyMatch(cl -> cl.getParseResult().hasMatchedOption("--debug"));
    Logging.configure(SbxPaths.fromEnvironment(), "sbx", debug);
    return new CommandLine.RunLast().execute(parseResult);
  }
}
