package dev.sbx.cli.image;

import dev.sbx.cli.SbxPaths;
import dev.sbx.image.GuestImage;
import dev.sbx.image.ImageManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sbx image ls}: the complete images in the cache; {@code *} marks this version's. */
@Command(name = "ls", aliases = "list", description = "List the guest images in the cache.")
final class ImageLsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    ImageManager images = new ImageManager(SbxPaths.fromEnvironment().cache());
    String current = images.currentVersion();
    List<GuestImage> list = images.list();
    String format = "%-1s %-24s %-10s %s%n";
    out.printf(format, "", "VERSION", "SIZE", "BUILT");
    for (GuestImage image : list) {
      out.printf(format, image.version().equals(current) ? "*" : "", image.version(),
          BuildProgress.size(image.sizeBytes()), image.manifest().built());
    }
    if (list.stream().noneMatch(i -> i.version().equals(current))) {
      out.printf("(image %s of this sbx version is not built; run: sbx image build)%n", current);
    }
    return 0;
  }
}
