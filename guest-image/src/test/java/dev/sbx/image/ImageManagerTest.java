package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageManagerTest {

  @Test
  void ensureBuildsOnceThenReuses(@TempDir Path cache) throws Exception {
    Path runs = cache.resolve("runs");
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("build-image.sh", ("echo run >> " + runs + "\n"
        + "for f in vmlinux rootfs.ext4 kernel.config packages.txt; do printf x > \"$1/$f\"; done\n")
        .getBytes(StandardCharsets.UTF_8));
    files.put("prerequisites.txt", new byte[0]);
    ImageManager images = new ImageManager(ImageStore.inCache(cache), new Recipe(files), true);

    assertTrue(images.current().isEmpty());
    GuestImage built = images.ensure(BuildListener.NONE);
    assertEquals(images.currentVersion(), built.version());
    assertEquals(built, images.ensure(BuildListener.NONE));
    assertEquals(1, Files.readAllLines(runs).size());
    assertEquals(List.of(built.version()), images.list().stream().map(GuestImage::version).toList());
  }

  @Test
  void estimateFollowsTheKernelCompileAndNeverDropsBelowTheRootfs() {
    assertEquals(Duration.ofMinutes(10), ImageManager.estimate(2));
    assertEquals(Duration.ofMinutes(19), ImageManager.estimate(1));
    assertEquals(Duration.ofMinutes(6), ImageManager.estimate(64));
  }
}
