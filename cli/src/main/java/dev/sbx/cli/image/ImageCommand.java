package dev.sbx.cli.image;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sbx image}: the guest image (kernel and root filesystem) sandboxes boot. */
@Command(name = "image", description = "Build and list the sandbox guest image.",
    subcommands = {ImageBuildCommand.class, ImageLsCommand.class})
public final class ImageCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
