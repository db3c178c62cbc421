package dev.sbx.cli.commands;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.policy.Confirm;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.image.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sbx reset} (sbx-cli.md §2.8): stops and deletes every sandbox, the policy, settings,
 * proxy CA, logs and secrets (unless {@code --preserve-secrets}); keeps the image cache unless
 * {@code --images}.
 */
@Command(name = "reset", description = {
    "Back to a fresh install: stop and delete every sandbox, the policy, settings, proxy CA, logs and",
    "secrets. The guest image cache is kept unless --images."})
public final class ResetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = {"-f", "--force"}, description = "No confirmation.") boolean force;
  @Option(names = "--preserve-secrets", description = "Keep stored secrets.") boolean preserveSecrets;
  @Option(names = "--images", description = "Also delete the guest image cache (rebuilding takes minutes).")
  boolean images;

  @Override
  public Integer call() throws IOException {
    Confirm.require("Delete every sandbox, the policy, settings" + (preserveSecrets ? "" : ", secrets")
        + (images ? " and the image cache" : "") + "? This cannot be undone.", force);
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    for (SandboxRecord r : sandboxes.store().list()) {
      try {
        sandboxes.stop(r);
      } catch (UserException e) {
        spec.commandLine().getErr().println("warning: " + e.getMessage());
      }
    }
    SbxPaths paths = sandboxes.paths();
    clear(paths.data(), null);
    clear(paths.config(), preserveSecrets ? paths.config().resolve("secrets") : null);
    if (images) {
      clear(paths.cache(), null);
    }
    out.println("sbx is reset" + (preserveSecrets ? " (secrets kept)" : "") + ".");
    return 0;
  }

  /** Deletes everything inside {@code dir} except {@code keep}. */
  private static void clear(Path dir, Path keep) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path c : children) {
        if (!c.equals(keep)) {
          FileTrees.delete(c);
        }
      }
    }
  }
}
