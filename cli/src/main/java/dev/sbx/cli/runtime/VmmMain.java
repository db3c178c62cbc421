package dev.sbx.cli.runtime;

import dev.sbx.cli.Logging;
import dev.sbx.cli.SbxPaths;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code sbx-vmm <sandbox-dir>}: one sandbox's VM, started detached by {@link VmmLauncher} (same
 * jar, this main class). Logs to {@code vmm.log} in the sandbox directory; exits when the guest
 * ends. SIGTERM stops the guest (briefly graceful) before the process exits.
 */
public final class VmmMain {
  private VmmMain() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: sbx-vmm <sandbox-dir>");
      System.exit(2);
    }
    SandboxFiles files = new SandboxFiles(Path.of(args[0]));
    Logging.configure(files.vmmLog(), Boolean.getBoolean("sbx.debug"), files.vmmLog().getFileName().toString());
    Vmm vmm = new Vmm(files, SbxPaths.fromEnvironment(), new SshPowerOff());
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> vmm.stopAndAwait(Duration.ofSeconds(5), Duration.ofSeconds(20)), "sbx-vmm-shutdown"));
    System.exit(vmm.run());
  }
}
