package dev.sbx.cli.commands;

import dev.sbx.cli.UserException;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx stop SANDBOX...} (sbx-cli.md §2.5): graceful, forced after 30 s; disks kept. */
@Command(name = "stop", description = "Stop sandboxes without removing them; 'sbx run' starts them again.")
public final class StopCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Parameters(arity = "1..*", paramLabel = "SANDBOX") List<String> names;

  @Override
  public Integer call() {
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int status = 0;
    for (String n : names) {
      try {
        SandboxRecord r = sandboxes.store().get(n);
        out.println(sandboxes.stop(r) ? "Stopped " + r.name() : r.name() + " is not running");
      } catch (UserException e) {
        err.println("ERROR: " + e.getMessage());
        status = 1;
      }
    }
    return status;
  }
}
