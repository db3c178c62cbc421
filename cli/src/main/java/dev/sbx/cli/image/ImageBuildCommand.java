package dev.sbx.cli.image;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.image.GuestImage;
import dev.sbx.image.ImageBuildException;
import dev.sbx.image.ImageManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sbx image build [--force]}: build the guest image of this sbx version into the cache. */
@Command(name = "build", description = {
    "Build the guest image (kernel and Debian root filesystem with Docker and the agents) into the",
    "cache. A complete image of this version is reused unless --force is given. Needs root and",
    "network access to the Debian mirror and the npm registry."})
final class ImageBuildCommand implements Callable<Integer> {

  @Option(names = "--force", description = "Rebuild even if the image is already built.")
  boolean force;

  @Option(names = {"-v", "--verbose"}, description = "Print the build's output as it runs.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ImageManager images = new ImageManager(SbxPaths.fromEnvironment().cache());
    if (!force && images.current().isPresent()) {
      GuestImage image = images.current().get();
      out.printf("Image %s is already built (%s); use --force to rebuild.%n", image.version(),
          image.directory());
      return 0;
    }
    BuildProgress progress = new BuildProgress(err, verbose);
    progress.announce(images.currentVersion(), images.cacheRoot());
    try {
      GuestImage image = images.build(force, progress);
      progress.done();
      out.printf("Built image %s in %s (%s)%n", image.version(), image.directory(),
          BuildProgress.size(image.sizeBytes()));
      return 0;
    } catch (ImageBuildException e) {
      throw new UserException(e.getMessage(), 1, e);
    } catch (IOException e) {
      throw new UserException("image build failed: " + e.getMessage(), 1, e);
    }
  }
}
