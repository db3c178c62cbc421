package dev.sbx.cli.commands;

import dev.sbx.cli.sandbox.Agent;
import dev.sbx.cli.sandbox.Resources;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Workspace;
import dev.sbx.cli.sandbox.WorkspaceArgs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx create AGENT [PATH...]} (sbx-cli.md §2.2): stored, not booted until the first run or exec. */
@Command(name = "create", description = {
    "Create a sandbox without starting it. Without PATH the sandbox is mountless and works in",
    "/home/agent/workspace."})
public final class CreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin SandboxOptions options;

  @Option(names = {"-q", "--quiet"}, description = "Print only the name.") boolean quiet;

  @Parameters(index = "0", paramLabel = "AGENT", description = "claude, codex, gemini, opencode, copilot or shell.")
  String agentName;

  @Parameters(index = "1..*", paramLabel = "PATH", description = "Workspaces; the first is primary; append :ro for read-only.")
  List<String> paths = new ArrayList<>();

  @Override
  public Integer call() {
    Agent agent = Agent.parse(agentName);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Workspace> workspaces = WorkspaceArgs.parse(paths, Path.of(""));
    String name = SandboxCreator.name(options, agent, workspaces);
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    SandboxRecord r = SandboxCreator.create(sandboxes, agent, name, workspaces, options, err);
    if (quiet) {
      out.println(r.name());
      return 0;
    }
    out.println("Created sandbox " + r.name() + " (" + r.id() + ")");
    out.println("  agent:      " + r.agent());
    out.println("  workspaces: " + RunCommand.describe(r));
    out.println("  image:      " + r.imageVersion());
    out.println("  cpus:       " + r.cpus());
    out.println("  memory:     " + r.memoryBytes() / Resources.MIB + " MiB");
    out.println("To connect to this sandbox, run: sbx run --name " + r.name());
    return 0;
  }
}
