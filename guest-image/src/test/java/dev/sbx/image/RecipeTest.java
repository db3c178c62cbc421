package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTest {

  private static final Path SOURCE = Path.of("src/main/recipe");

  @Test
  void fileListMatchesTheRecipeDirectory() throws IOException {
    List<String> onDisk;
    try (Stream<Path> files = Files.walk(SOURCE)) {
      onDisk = files.filter(Files::isRegularFile).map(p -> SOURCE.relativize(p).toString())
          .sorted().toList();
    }
    assertEquals(onDisk, Recipe.FILES.stream().sorted().toList(),
        "Recipe.FILES must list every file under src/main/recipe (they make up the version)");
  }

  @Test
  void bundledRecipeIsTheSourceRecipe() throws IOException {
    Recipe recipe = Recipe.bundled();
    for (String name : Recipe.FILES) {
      assertEquals(Files.readString(SOURCE.resolve(name)),
          new String(recipe.file(name), StandardCharsets.UTF_8), name);
    }
  }

  @Test
  void versionNamesTheSuiteAndChangesWithAnyByte() {
    Recipe recipe = Recipe.bundled();
    assertTrue(recipe.version().matches("bookworm-[0-9a-f]{12}"), recipe.version());
    assertEquals(recipe.version(), Recipe.bundled().version());

    Map<String, byte[]> changed = new LinkedHashMap<>();
    for (String name : Recipe.FILES) {
      changed.put(name, recipe.file(name));
    }
    byte[] init = recipe.file("rootfs/sbx-init").clone();
    init[init.length - 1] ^= 1;
    changed.put("rootfs/sbx-init", init);
    assertNotEquals(recipe.version(), new Recipe(changed).version());
  }

  @Test
  void prerequisitesAreTheDebianPackageList() {
    List<String> packages = Recipe.bundled().prerequisites();
    assertTrue(packages.containsAll(List.of("linux-source-6.1", "mmdebstrap", "e2fsprogs", "bc")),
        packages.toString());
    packages.forEach(p -> assertTrue(p.matches("[a-z0-9][a-z0-9.+-]+"), p));
  }

  @Test
  void extractWritesEveryFileWithScriptsExecutable(@TempDir Path dir) throws IOException {
    Recipe.bundled().extractTo(dir);
    for (String name : Recipe.FILES) {
      assertTrue(Files.isRegularFile(dir.resolve(name)), name);
    }
    assertTrue(Files.isExecutable(dir.resolve("build-image.sh")));
    assertTrue(Files.isExecutable(dir.resolve("rootfs/customize.sh")));
  }
}
