package dev.sbx.cli.vmm;

import picocli.CommandLine.Command;

/** {@code sbx vmm}: low-level VMM commands for experts and tests. */
@Command(name = "vmm", description = "Low-level virtual machine commands (for experts and tests).",
    subcommands = {VmmRunCommand.class})
public final class VmmCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
