package dev.sbx.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sbx.image.ImageManifest;
import dev.sbx.image.ImageManifest.ImageFile;
import dev.sbx.image.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sbx image ...} run as a real process with its own SBX_HOME. */
class ImageCommandTest {

  private record Result(int exit, String out) {}

  private static Result sbx(Path home, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.sbx.cli.Sbx"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SBX_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    return new Result(p.waitFor(), out);
  }

  /** A complete image of the current version, as the builder would leave it (tiny files). */
  private static String fakeImage(Path home) throws Exception {
    String version = Recipe.bundled().version();
    Path dir = Files.createDirectories(home.resolve("cache/images").resolve(version));
    List<ImageFile> files = new ArrayList<>();
    for (String name : List.of("vmlinux", "rootfs.ext4", "kernel.config", "packages.txt")) {
      byte[] data = ("fake " + name).getBytes();
      Files.write(dir.resolve(name), data);
      files.add(new ImageFile(name, data.length,
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data))));
    }
    ImageManifest m = new ImageManifest(1, version, "2026-11-23T00:00:00Z", files, Map.of());
    new ObjectMapper().writeValue(dir.resolve("manifest.json").toFile(), m);
    return version;
  }

  @Test
  void lsOnAnEmptyCacheSaysHowToBuild(@TempDir Path home) throws Exception {
    Result r = sbx(home, "image", "ls");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("VERSION"), r.out());
    assertTrue(r.out().contains("is not built; run: sbx image build"), r.out());
  }

  @Test
  void lsMarksTheCurrentImage(@TempDir Path home) throws Exception {
    String version = fakeImage(home);
    Result r = sbx(home, "image", "ls");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("* " + version)), r.out());
    assertTrue(r.out().contains("2026-11-23T00:00:00Z"), r.out());
  }

  @Test
  void lsIgnoresAnUnfinishedBuild(@TempDir Path home) throws Exception {
    String version = fakeImage(home);
    Files.delete(home.resolve("cache/images").resolve(version).resolve("manifest.json"));
    Result r = sbx(home, "image", "ls");
    assertTrue(r.out().lines().noneMatch(l -> l.contains("* " + version)), r.out());
    assertTrue(r.out().contains("is not built"), r.out());
  }

  @Test
  void buildReusesACompleteImage(@TempDir Path home) throws Exception {
    String version = fakeImage(home);
    Result r = sbx(home, "image", "build");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("Image " + version + " is already built"), r.out());
  }

  @Test
  void unknownOptionIsAUsageError(@TempDir Path home) throws Exception {
    Result r = sbx(home, "image", "build", "--frce");
    assertEquals(2, r.exit(), r.out());
  }
}
