package dev.sbx.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sbx help [COMMAND...]}: the same text as {@code COMMAND --help}. */
@Command(name = "help", description = "Show help for sbx or one of its commands.", helpCommand = true)
final class HelpCommand implements Callable<Integer> {

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "Command to describe, e.g. 'vmm run'.")
  List<String> path = List.of();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine target = spec.root().commandLine();
    for (String name : path) {
      CommandLine sub = target.getSubcommands().get(name);
      if (sub == null) {
        throw new UserException("unknown command '" + name + "'; run 'sbx help' for the list",
            ExitCodes.USAGE);
      }
      target = sub;
    }
    target.usage(spec.commandLine().getOut());
    return ExitCodes.OK;
  }
}
