package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

  private static final String V = "bookworm-0123456789ab";

  /** Writes artifacts and (optionally) a manifest describing them as an ImageBuilder would. */
  static ImageManifest writeImage(Path dir, String version, boolean manifest) throws IOException {
    Files.createDirectories(dir);
    List<ImageManifest.ImageFile> files = new ArrayList<>();
    for (String name : ImageBuilder.ARTIFACTS) {
      Path f = dir.resolve(name);
      Files.writeString(f, "content of " + name);
      files.add(new ImageManifest.ImageFile(name, Files.size(f), ImageStore.sha256(f)));
    }
    ImageManifest m = new ImageManifest(1, version, "2026-01-01T00:00:00Z", files, Map.of("total", 1L));
    if (manifest) {
      m.writeAtomically(dir.resolve(ImageManifest.FILE_NAME));
    }
    return m;
  }

  @Test
  void completeImageIsFoundAndVerifies(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    writeImage(store.directoryFor(V), V, true);
    GuestImage image = store.find(V).orElseThrow();
    assertEquals(store.directoryFor(V).resolve("vmlinux"), image.kernel());
    assertEquals(store.directoryFor(V).resolve("rootfs.ext4"), image.rootfs());
    assertEquals(List.of(), store.verify(image));
    assertEquals(List.of(V), store.list().stream().map(GuestImage::version).toList());
    assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(image.directory().resolve(ImageManifest.FILE_NAME))));
    try (var files = Files.list(image.directory())) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temp file left");
    }
  }

  @Test
  void noManifestMeansNoImage(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    writeImage(store.directoryFor(V), V, false);
    assertTrue(store.find(V).isEmpty());
    assertEquals(List.of(), store.list());
  }

  @Test
  void truncatedOrMissingArtifactMeansNoImage(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    Path dir = store.directoryFor(V);
    writeImage(dir, V, true);
    Files.writeString(dir.resolve("rootfs.ext4"), "short");
    assertTrue(store.find(V).isEmpty());
    writeImage(dir, V, true);
    Files.delete(dir.resolve("vmlinux"));
    assertTrue(store.find(V).isEmpty());
  }

  @Test
  void manifestOfAnotherVersionOrGarbageMeansNoImage(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    Path dir = store.directoryFor(V);
    writeImage(dir, "bookworm-ffffffffffff", true);
    assertTrue(store.find(V).isEmpty());
    Files.writeString(dir.resolve(ImageManifest.FILE_NAME), "{\"format\": 1, \"version\": ");
    assertTrue(store.find(V).isEmpty());
  }

  @Test
  void manifestNamingFilesOutsideItsDirectoryIsRefused(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    Path dir = store.directoryFor(V);
    ImageManifest good = writeImage(dir, V, false);
    Path outside = cache.resolve("secret");
    Files.writeString(outside, "x");
    List<ImageManifest.ImageFile> files = new ArrayList<>(good.files());
    files.add(new ImageManifest.ImageFile("../../secret", 1, ImageStore.sha256(outside)));
    new ImageManifest(1, V, good.built(), files, Map.of()).writeAtomically(dir.resolve(ImageManifest.FILE_NAME));
    assertTrue(store.find(V).isEmpty());
  }

  @Test
  void verifyNamesAlteredFiles(@TempDir Path cache) throws IOException {
    ImageStore store = ImageStore.inCache(cache);
    Path dir = store.directoryFor(V);
    writeImage(dir, V, true);
    byte[] k = Files.readAllBytes(dir.resolve("vmlinux"));
    k[0] ^= 1;
    Files.write(dir.resolve("vmlinux"), k);
    assertEquals(List.of("vmlinux"), store.verify(store.find(V).orElseThrow()));
  }

  @Test
  void refusesVersionsThatAreNotPlainNames(@TempDir Path cache) {
    ImageStore store = ImageStore.inCache(cache);
    for (String bad : new String[] {"../x", "a/b", "", "UPPER", ".hidden"}) {
      assertThrows(IllegalArgumentException.class, () -> store.find(bad), bad);
    }
  }
}
