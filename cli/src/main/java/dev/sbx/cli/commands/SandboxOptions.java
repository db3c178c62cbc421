package dev.sbx.cli.commands;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by {@code run} and {@code create} (sbx-cli.md §2.1). */
final class SandboxOptions {
  @Option(names = "--name", paramLabel = "NAME", description = "Sandbox name (default <agent>-<workdir>).")
  String name;

  @Option(names = "--cpus", paramLabel = "N", description = "vCPUs; 0 = all host CPUs (default).")
  Integer cpus;

  @Option(names = {"-m", "--memory"}, paramLabel = "SIZE",
      description = "Memory, e.g. 512m or 8g (default 50% of host RAM, 512 MiB to 32 GiB).")
  String memory;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]",
      description = "Environment variable for the agent (repeatable); bare KEY copies the host value.")
  List<String> env = new ArrayList<>();

  @Option(names = "--env-file", paramLabel = "FILE", description = "KEY=VALUE lines (repeatable).")
  List<Path> envFiles = new ArrayList<>();

  @Option(names = {"-p", "--publish"}, paramLabel = "SPEC",
      description = "Publish a port: [[HOST_IP:]HOST_PORT:]SANDBOX_PORT[/tcp|tcp4|tcp6] (repeatable).")
  List<String> publish = new ArrayList<>();

  @Option(names = "--engine", paramLabel = "ENGINE", description = "auto, kvm, hvf, whp or tcg (default: setting 'engine').")
  String engine;

  /** The creation-only flags given, for the "ignored on re-attach" warning. */
  List<String> creationFlagsGiven() {
    List<String> out = new ArrayList<>();
    if (cpus != null) {
      out.add("--cpus");
    }
    if (memory != null) {
      out.add("--memory");
    }
    if (!publish.isEmpty()) {
      out.add("--publish");
    }
    if (engine != null) {
      out.add("--engine");
    }
    return out;
  }
}
