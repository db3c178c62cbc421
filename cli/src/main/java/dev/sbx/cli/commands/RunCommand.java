package dev.sbx.cli.commands;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.policy.Confirm;
import dev.sbx.cli.sandbox.Agent;
import dev.sbx.cli.sandbox.EnvVars;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Workspace;
import dev.sbx.cli.sandbox.WorkspaceArgs;
import dev.sbx.cli.session.RemoteCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx run [AGENT] [PATH...] [-- AGENT_ARGS]} (sbx-cli.md §2.1). */
@Command(name = "run", description = {
    "Create a sandbox if needed, start it and open a session running the agent in the primary",
    "workspace. Agents: claude, codex, gemini, opencode, copilot, shell. PATH defaults to the",
    "current directory; append :ro to extra paths for read-only. Arguments after -- go to the agent."})
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin SandboxOptions options;

  @Option(names = {"-d", "--detached"}, description = "Create and start, print the sandbox id, no session.")
  boolean detached;

  @Parameters(paramLabel = "ARG", description = "AGENT, then PATH[:ro]..., then -- and agent arguments.")
  List<String> positional = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    List<String> before = new ArrayList<>(positional);
    List<String> agentArgs = List.of();
    int afterDash = argsAfterDoubleDash();
    if (afterDash > 0) {
      agentArgs = List.copyOf(before.subList(before.size() - afterDash, before.size()));
      before = new ArrayList<>(before.subList(0, before.size() - afterDash));
    }
    String agentName = before.isEmpty() ? null : before.remove(0);
    Agent agent = agentName == null ? null : Agent.parse(agentName);
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    Map<String, String> sessionEnv = EnvVars.resolve(options.env, options.envFiles, System.getenv(), err);

    SandboxRecord record;
    Optional<SandboxRecord> byName = options.name == null ? Optional.empty() : sandboxes.store().find(options.name);
    if (byName.isPresent()) {
      record = reattach(byName.get(), agent, before, err);
    } else {
      if (agent == null) {
        throw new UserException("name the agent, e.g. 'sbx run claude .'; agents: " + Agent.names(), ExitCodes.USAGE);
      }
      List<Workspace> workspaces = WorkspaceArgs.parse(before.isEmpty() ? List.of(".") : before, Path.of(""));
      String name = SandboxCreator.name(options, agent, workspaces);
      Optional<SandboxRecord> existing = sandboxes.store().find(name);
      if (existing.isPresent()) {
        record = reattachDerived(existing.get(), agent, workspaces);
      } else {
        record = SandboxCreator.create(sandboxes, agent, name, workspaces, options, err);
        sessionEnv = Map.of(); // stored in the record, applied to every session
      }
    }
    record = sandboxes.ensureRunning(record, Optional.empty(), err);
    if (detached) {
      spec.commandLine().getOut().println(record.id());
      return 0;
    }
    Agent a = Agent.parse(record.agent());
    String command = RemoteCommand.build(a.command(agentArgs), record.workdir(), sandboxes.sessionEnv(record, sessionEnv),
        null, false);
    boolean tty = Terminal.interactive();
    err.flush();
    return Sessions.run(sandboxes, record, command, tty, System.in, System.out, System.err);
  }

  private SandboxRecord reattach(SandboxRecord r, Agent agent, List<String> paths, PrintWriter err) {
    if (agent != null && !agent.id().equals(r.agent())) {
      throw new UserException("sandbox " + r.name() + " runs " + r.agent() + ", not " + agent.id()
          + "; use 'sbx run --name " + r.name() + "' or choose another --name");
    }
    if (!paths.isEmpty()) {
      List<Workspace> given = WorkspaceArgs.parse(paths, Path.of(""));
      if (!given.equals(r.workspaces())) {
        throw new UserException("sandbox " + r.name() + " has the workspaces " + describe(r)
            + "; workspaces are fixed at creation");
      }
    }
    warnIgnored(err);
    return r;
  }

  private SandboxRecord reattachDerived(SandboxRecord r, Agent agent, List<Workspace> workspaces) {
    if (!agent.id().equals(r.agent())) {
      throw new UserException("the name " + r.name() + " is held by a " + r.agent() + " sandbox; choose another --name");
    }
    if (!r.workspaces().equals(workspaces)) {
      String owner = r.primary().map(Workspace::path).orElse("no workspace");
      if (!Terminal.interactive()) {
        throw new UserException("sandbox \"" + r.name() + "\" belongs to " + owner + "; choose another --name");
      }
      Confirm.require("Sandbox \"" + r.name() + "\" belongs to " + owner + ". Attach anyway?", false);
    }
    warnIgnored(spec.commandLine().getErr());
    return r;
  }

  private void warnIgnored(PrintWriter err) {
    List<String> ignored = options.creationFlagsGiven();
    if (!ignored.isEmpty()) {
      err.println("warning: " + String.join(", ", ignored) + " only apply when a sandbox is created; ignored");
    }
  }

  static String describe(SandboxRecord r) {
    if (r.workspaces().isEmpty()) {
      return "(none)";
    }
    List<String> parts = new ArrayList<>();
    for (Workspace w : r.workspaces()) {
      parts.add(w.path() + (w.readOnly() ? " (ro)" : " (rw)"));
    }
    return String.join(", ", parts);
  }

  /** How many positional arguments came after the first {@code --}. */
  private int argsAfterDoubleDash() {
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    int i = original.indexOf("--");
    return i < 0 ? 0 : original.size() - i - 1;
  }
}
