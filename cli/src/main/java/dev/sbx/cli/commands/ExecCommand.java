package dev.sbx.cli.commands;

import dev.sbx.cli.UserException;
import dev.sbx.cli.sandbox.EnvVars;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.session.RemoteCommand;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx exec [flags] SANDBOX COMMAND [ARG...]} (sbx-cli.md §2.3), like {@code docker exec}. */
@Command(name = "exec", description = {
    "Run a command in a sandbox, starting it if stopped. The command runs directly, not through a",
    "shell; use bash -c '...' for shell features. Exit status: the command's, 125 if it could not be",
    "launched, 126 not executable, 127 not found."})
public final class ExecCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-i", "--interactive"}, description = "Keep stdin open.") boolean interactive;
  @Option(names = {"-t", "--tty"}, description = "Allocate a terminal.") boolean tty;
  @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "Environment variable (repeatable).")
  List<String> env = new ArrayList<>();
  @Option(names = "--env-file", paramLabel = "FILE", description = "KEY=VALUE lines (repeatable).")
  List<Path> envFiles = new ArrayList<>();
  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (default agent).")
  String user;
  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory (default: primary workspace).")
  String workdir;
  @Option(names = {"-d", "--detach"}, description = "Start in the background and return at once.") boolean detach;

  @Parameters(index = "0", paramLabel = "SANDBOX") String sandbox;
  @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND") List<String> command;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (tty && !Terminal.interactive()) {
      throw new UserException("the input device is not a TTY");
    }
    if (user != null && !user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")) {
      throw new UserException("bad --user '" + user + "'; use USER[:GROUP] names or ids", 2);
    }
    if (workdir != null && !workdir.startsWith("/")) {
      throw new UserException("--workdir must be an absolute path", 2);
    }
    Map<String, String> extra = EnvVars.resolve(env, envFiles, System.getenv(), err);
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    SandboxRecord r = sandboxes.store().get(sandbox);
    r = sandboxes.ensureRunning(r, Optional.empty(), err);
    String remote = RemoteCommand.build(command, workdir != null ? workdir : r.workdir(), sandboxes.sessionEnv(r, extra),
        user == null || user.equals("agent") ? null : user, detach);
    err.flush();
    InputStream stdin = interactive ? System.in : null;
    return Sessions.run(sandboxes, r, remote, tty && !detach, stdin, System.out, System.err);
  }
}
