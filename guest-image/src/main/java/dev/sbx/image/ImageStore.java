package dev.sbx.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The image cache: {@code <cache>/images/<version>/} holding the artifacts and, written last,
 * {@code manifest.json}. A directory without a valid manifest is an unfinished build and is never
 * handed out.
 */
public final class ImageStore {

  private static final Pattern VERSION = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
  private static final List<String> REQUIRED = List.of(GuestImage.KERNEL, GuestImage.ROOTFS);

  private final Path root;

  public ImageStore(Path root) {
    this.root = root;
  }

  /** {@code <cache dir>/images}. */
  public static ImageStore inCache(Path cacheDir) {
    return new ImageStore(cacheDir.resolve("images"));
  }

  public Path root() {
    return root;
  }

  Path directoryFor(String version) {
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("bad image version '" + version + "'");
    }
    return root.resolve(version);
  }

  /**
   * The complete image of this version: manifest readable, of this version, naming the kernel
   * and root filesystem, and every listed file present with its recorded size.
   */
  public Optional<GuestImage> find(String version) {
    Path dir = directoryFor(version);
    Path manifestFile = dir.resolve(ImageManifest.FILE_NAME);
    if (!Files.isRegularFile(manifestFile)) {
      return Optional.empty();
    }
    ImageManifest manifest;
    try {
      manifest = ImageManifest.read(manifestFile);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (manifest.format() != ImageManifest.FORMAT || !version.equals(manifest.version())) {
      return Optional.empty();
    }
    for (String name : REQUIRED) {
      if (manifest.file(name).isEmpty()) {
        return Optional.empty();
      }
    }
    for (ImageManifest.ImageFile f : manifest.files()) {
      Path p = dir.resolve(f.name()).normalize();
      try {
        if (!p.getParent().equals(dir.normalize()) || !Files.isRegularFile(p) || Files.size(p) != f.size()) {
          return Optional.empty();
        }
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.of(new GuestImage(version, dir, manifest));
  }

  /** Every complete image in the cache, newest build first. */
  public List<GuestImage> list() throws IOException {
    List<GuestImage> images = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return images;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (VERSION.matcher(name).matches()) {
          find(name).ifPresent(images::add);
        }
      }
    }
    images.sort(Comparator.comparing((GuestImage i) -> i.manifest().built()).reversed());
    return images;
  }

  /** Names of the files whose SHA-256 differs from the manifest (empty when intact). */
  public List<String> verify(GuestImage image) throws IOException {
    List<String> bad = new ArrayList<>();
    for (ImageManifest.ImageFile f : image.manifest().files()) {
      if (!sha256(image.directory().resolve(f.name())).equals(f.sha256())) {
        bad.add(f.name());
      }
    }
    return bad;
  }

  static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
