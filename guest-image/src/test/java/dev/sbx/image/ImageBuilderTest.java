package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder around the recipe, with a stand-in build-image.sh (the real one takes half an hour
 * and is exercised by the e2e tier): manifest only after success, reuse, --force, failures.
 */
class ImageBuilderTest {

  /** A recipe whose build-image.sh is {@code script} (with "$1" = output dir). */
  private static Recipe recipeWith(String script) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("build-image.sh", script.getBytes(StandardCharsets.UTF_8));
    files.put("prerequisites.txt", "bash\n".getBytes(StandardCharsets.UTF_8));
    return new Recipe(files);
  }

  private static final String WRITE_ARTIFACTS = """
      set -e
      echo "sbx-build: step kernel-compile"
      printf kernel > "$1/vmlinux"; printf config > "$1/kernel.config"
      echo "sbx-build: time kernel 7"
      echo "sbx-build: step rootfs-image"
      printf rootfs > "$1/rootfs.ext4"; printf pkgs > "$1/packages.txt"
      echo "sbx-build: time rootfs 9"
      """;

  private static ImageBuilder builder(Path cache, Recipe recipe, boolean root, List<String> packages) {
    return new ImageBuilder(ImageStore.inCache(cache), recipe, new Prerequisites(packages, root), root);
  }

  private static final class Steps implements BuildListener {
    final List<String> steps = new ArrayList<>();

    @Override
    public void step(String name) {
      steps.add(name);
    }
  }

  @Test
  void successfulBuildWritesTheManifestLastAndCleansUp(@TempDir Path cache) throws Exception {
    Recipe recipe = recipeWith(WRITE_ARTIFACTS);
    Steps steps = new Steps();
    GuestImage image = builder(cache, recipe, true, List.of("bash")).build(false, steps);

    assertEquals(List.of("kernel-compile", "rootfs-image", "manifest"), steps.steps);
    assertEquals(recipe.version(), image.version());
    assertEquals("kernel", Files.readString(image.kernel()));
    assertEquals(Map.of("kernel", 7L, "rootfs", 9L), image.manifest().buildSeconds());
    assertEquals(List.of(), ImageStore.inCache(cache).verify(image));
    assertTrue(Files.exists(image.directory().resolve("build.log")));
    assertFalse(Files.exists(cache.resolve("images/.build-" + recipe.version())), "work dir removed");
  }

  @Test
  void completeImageIsReusedAndForceRebuilds(@TempDir Path cache) throws Exception {
    Path counter = cache.resolve("runs");
    Recipe recipe = recipeWith("echo run >> " + counter + "\n" + WRITE_ARTIFACTS);
    builder(cache, recipe, true, List.of()).build(false, BuildListener.NONE);
    builder(cache, recipe, true, List.of()).build(false, BuildListener.NONE);
    assertEquals(1, Files.readAllLines(counter).size());
    builder(cache, recipe, true, List.of()).build(true, BuildListener.NONE);
    assertEquals(2, Files.readAllLines(counter).size());
  }

  @Test
  void failedBuildLeavesNoManifestAndQuotesTheLog(@TempDir Path cache) throws Exception {
    Recipe recipe = recipeWith("printf kernel > \"$1/vmlinux\"\necho 'E: mirror unreachable'\nexit 3\n");
    ImageBuildException e = assertThrows(ImageBuildException.class,
        () -> builder(cache, recipe, true, List.of()).build(false, BuildListener.NONE));
    assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
    assertTrue(e.getMessage().contains("E: mirror unreachable"), e.getMessage());
    assertTrue(e.getMessage().contains("build.log"), e.getMessage());
    assertTrue(ImageStore.inCache(cache).find(recipe.version()).isEmpty());
    assertFalse(Files.exists(ImageStore.inCache(cache).directoryFor(recipe.version())
        .resolve(ImageManifest.FILE_NAME)));
  }

  @Test
  void buildKilledHalfWayNeverClaimsSuccess(@TempDir Path cache) throws Exception {
    // All artifacts written, then the build dies before returning (as a power cut or kill would).
    Recipe recipe = recipeWith(WRITE_ARTIFACTS + "kill -9 $$\n");
    assertThrows(ImageBuildException.class,
        () -> builder(cache, recipe, true, List.of()).build(false, BuildListener.NONE));
    assertTrue(ImageStore.inCache(cache).find(recipe.version()).isEmpty());
    // The next build starts over and succeeds.
    Recipe fixed = recipeWith(WRITE_ARTIFACTS);
    assertTrue(builder(cache, fixed, true, List.of()).build(false, BuildListener.NONE).kernel()
        .toFile().isFile());
  }

  @Test
  void buildThatForgetsAnArtifactFails(@TempDir Path cache) {
    Recipe recipe = recipeWith("printf k > \"$1/vmlinux\"\n");
    ImageBuildException e = assertThrows(ImageBuildException.class,
        () -> builder(cache, recipe, true, List.of()).build(false, BuildListener.NONE));
    assertTrue(e.getMessage().contains("did not produce rootfs.ext4"), e.getMessage());
  }

  @Test
  void withoutRootMissingPackagesGiveTheExactAptLine(@TempDir Path cache) {
    Recipe recipe = recipeWith(WRITE_ARTIFACTS);
    ImageBuildException e = assertThrows(ImageBuildException.class, () -> builder(cache, recipe,
        false, List.of("bash", "sbx-test-no-such-package")).build(false, BuildListener.NONE));
    assertTrue(e.getMessage().endsWith(
        "install them with: sudo apt-get install -y --no-install-recommends sbx-test-no-such-package"),
        e.getMessage());
  }

  @Test
  void withoutRootTheBuildSaysItNeedsRoot(@TempDir Path cache) {
    ImageBuildException e = assertThrows(ImageBuildException.class, () -> builder(cache,
        recipeWith(WRITE_ARTIFACTS), false, List.of("bash")).build(false, BuildListener.NONE));
    assertTrue(e.getMessage().contains("needs root"), e.getMessage());
  }
}
