package dev.sbx.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest image build recipe (scripts, kernel config fragment, guest init) as shipped inside
 * this jar. Its version is a hash of every recipe file, so a cached image is reused only for the
 * exact recipe that built it.
 */
public final class Recipe {

  static final String RESOURCE_ROOT = "dev/sbx/image/recipe/";

  /** Every recipe file; RecipeTest checks this list against src/main/recipe. */
  static final List<String> FILES = List.of(
      "build-image.sh",
      "build-kernel.sh",
      "build-rootfs.sh",
      "prerequisites.txt",
      "versions.env",
      "agents/package.json",
      "agents/package-lock.json",
      "kernel/sbx.config",
      "rootfs/customize.sh",
      "rootfs/daemon.json",
      "rootfs/power",
      "rootfs/sbx-guestctl.c",
      "rootfs/sbx-init",
      "rootfs/sshd_config");

  private static final Set<String> EXECUTABLE = Set.of(
      "build-image.sh", "build-kernel.sh", "build-rootfs.sh", "rootfs/customize.sh");

  /** Debian suite of the root filesystem; it prefixes the version for readability. */
  static final String SUITE = "bookworm";

  private final Map<String, byte[]> files;

  Recipe(Map<String, byte[]> files) {
    this.files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  /** The recipe bundled in this build of sbx. */
  public static Recipe bundled() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    ClassLoader loader = Recipe.class.getClassLoader();
    for (String name : FILES) {
      try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + name)) {
        if (in == null) {
          throw new IllegalStateException("recipe file " + name + " is missing from the sbx jar");
        }
        files.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Recipe(files);
  }

  /** {@code bookworm-} and the first 12 hex digits of the SHA-256 over names and contents. */
  public String version() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(e.getValue().length).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(e.getValue());
      }
      return SUITE + "-" + HexFormat.of().formatHex(digest.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Debian packages the build needs on the host (prerequisites.txt). */
  public List<String> prerequisites() {
    List<String> packages = new ArrayList<>();
    for (String line : new String(files.get("prerequisites.txt"), StandardCharsets.UTF_8).split("\n")) {
      String p = line.strip();
      if (!p.isEmpty() && !p.startsWith("#")) {
        packages.add(p);
      }
    }
    return packages;
  }

  byte[] file(String name) {
    return files.get(name);
  }

  /** Writes the recipe under {@code dir}, scripts executable. */
  public void extractTo(Path dir) throws IOException {
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path target = dir.resolve(e.getKey());
      Files.createDirectories(target.getParent());
      Files.write(target, e.getValue());
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
          EXECUTABLE.contains(e.getKey()) ? "rwxr-xr-x" : "rw-r--r--"));
    }
  }
}
