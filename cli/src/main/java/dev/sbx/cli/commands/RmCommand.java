package dev.sbx.cli.commands;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.policy.Confirm;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sbx rm [-f] [--all] [SANDBOX...]} (sbx-cli.md §2.6): stops and deletes the VM's disk,
 * keys, sockets, logs, record, scoped secrets and scoped rules; never a workspace.
 */
@Command(name = "rm", aliases = {"remove", "delete"}, description = {
    "Stop and delete sandboxes with their disks, keys, logs, scoped secrets and scoped rules.",
    "Workspaces on the host are never touched. Cannot be undone."})
public final class RmCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--all", description = "Remove every sandbox.") boolean all;
  @Option(names = {"-f", "--force"}, description = "No confirmation; also removes sandboxes with an active session.")
  boolean force;
  @Parameters(arity = "0..*", paramLabel = "SANDBOX") List<String> names = new ArrayList<>();

  @Override
  public Integer call() {
    if (all == !names.isEmpty()) {
      throw new UserException(all ? "give either --all or sandbox names, not both"
          : "name the sandboxes to remove, or use --all", ExitCodes.USAGE);
    }
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int status = 0;
    List<SandboxRecord> targets = new ArrayList<>();
    if (all) {
      targets.addAll(sandboxes.store().list());
      if (targets.isEmpty()) {
        out.println("No sandboxes to remove.");
        return 0;
      }
    } else {
      for (String n : names) {
        Optional<SandboxRecord> r = sandboxes.store().find(n);
        if (r.isEmpty()) {
          err.println("ERROR: no sandbox named '" + n + "'; see 'sbx ls'");
          status = 1;
        } else {
          targets.add(r.get());
        }
      }
    }
    if (targets.isEmpty()) {
      return status;
    }
    List<String> listed = targets.stream().map(SandboxRecord::name).toList();
    Confirm.require(targets.size() == 1 ? "Remove sandbox \"" + listed.get(0) + "\"? This cannot be undone."
        : "Remove sandboxes " + String.join(", ", listed) + "? This cannot be undone.", force);
    for (SandboxRecord r : targets) {
      if (!force && sandboxes.hasActiveSession(r)) {
        err.println("ERROR: sandbox " + r.name() + " has an active session; end it first or use --force");
        status = 1;
        continue;
      }
      try {
        sandboxes.remove(r);
        out.println("Removed " + r.name());
      } catch (IOException | UserException e) {
        err.println("ERROR: cannot remove " + r.name() + ": " + e.getMessage());
        status = 1;
      }
    }
    return status;
  }
}
