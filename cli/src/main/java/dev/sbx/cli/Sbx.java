package dev.sbx.cli;

import dev.sbx.cli.commands.CompletionCommand;
import dev.sbx.cli.commands.CpCommand;
import dev.sbx.cli.commands.CreateCommand;
import dev.sbx.cli.commands.DiagnoseCommand;
import dev.sbx.cli.commands.ExecCommand;
import dev.sbx.cli.commands.IdleStopCommand;
import dev.sbx.cli.commands.LsCommand;
import dev.sbx.cli.commands.PortsCommand;
import dev.sbx.cli.commands.PruneCommand;
import dev.sbx.cli.commands.ResetCommand;
import dev.sbx.cli.commands.RmCommand;
import dev.sbx.cli.commands.RunCommand;
import dev.sbx.cli.commands.StopCommand;
import dev.sbx.cli.image.ImageCommand;
import dev.sbx.cli.policy.PolicyCommand;
import dev.sbx.cli.proxy.ProxyCommand;
import dev.sbx.cli.secret.SecretCommand;
import dev.sbx.cli.settings.SettingsCommand;
import dev.sbx.cli.vmm.VmmCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code sbx} command line. */
@Command(
    name = "sbx",
    mixinStandardHelpOptions = false,
    description = "Run AI coding agents inside disposable microVMs.",
    subcommands = {RunCommand.class, CreateCommand.class, ExecCommand.class, LsCommand.class, StopCommand.class,
        RmCommand.class, PruneCommand.class, ResetCommand.class, VersionCommand.class, ImageCommand.class,
        VmmCommand.class, PolicyCommand.class, SecretCommand.class, SettingsCommand.class, ProxyCommand.class,
        CpCommand.class, PortsCommand.class, DiagnoseCommand.class, CompletionCommand.class, IdleStopCommand.class, HelpCommand.class},
    usageHelpAutoWidth = true)
public final class Sbx implements Runnable {

  @Option(names = {"-D", "--debug"}, scope = CommandLine.ScopeType.INHERIT,
      description = "Write debug logging to stderr as well as the log file.")
  boolean debug;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = CommandLine.ScopeType.INHERIT,
      description = "Show this help and exit.")
  boolean help;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // `sbx` alone prints help (Docker opens a dashboard; we do not have one).
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code; tests call this directly. */
  public static int execute(String... args) {
    return newCommandLine().execute(args);
  }

  static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new Sbx());
    cl.setExecutionStrategy(new LoggingExecutionStrategy());
    cl.setParameterExceptionHandler(new UsageErrorHandler());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // `sbx exec NAME cmd -x`: everything after the command is the command's, as in docker exec.
    cl.getSubcommands().get("exec").setStopAtPositional(true);
    return cl;
  }
}
