package dev.sbx.image;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the CLI asks about guest images: is the image of this sbx build present, where are its
 * kernel and root filesystem, build it (with progress), list what the cache holds.
 */
public final class ImageManager {

  private final ImageStore store;
  private final Recipe recipe;
  private final boolean root;

  public ImageManager(Path cacheDir) {
    this(ImageStore.inCache(cacheDir), Recipe.bundled(), Prerequisites.runningAsRoot());
  }

  ImageManager(ImageStore store, Recipe recipe, boolean root) {
    this.store = store;
    this.recipe = recipe;
    this.root = root;
  }

  /** Version of the image this sbx build uses. */
  public String currentVersion() {
    return recipe.version();
  }

  /** The current image if it is built and complete. */
  public Optional<GuestImage> current() {
    return store.find(currentVersion());
  }

  /** The current image, built first if it is missing. */
  public GuestImage ensure(BuildListener listener)
      throws ImageBuildException, IOException, InterruptedException {
    Optional<GuestImage> image = current();
    return image.isPresent() ? image.get() : build(false, listener);
  }

  /** Builds the current image; without {@code force} a complete one is reused. */
  public GuestImage build(boolean force, BuildListener listener)
      throws ImageBuildException, IOException, InterruptedException {
    return new ImageBuilder(store, recipe, new Prerequisites(recipe.prerequisites(), root), root)
        .build(force, listener);
  }

  /** Every complete image in the cache, newest first. */
  public List<GuestImage> list() throws IOException {
    return store.list();
  }

  /** Files of {@code image} whose hash no longer matches its manifest. */
  public List<String> verify(GuestImage image) throws IOException {
    return store.verify(image);
  }

  public Path cacheRoot() {
    return store.root();
  }

  /**
   * A rough duration of a cold build on this machine, for the one-line notice before a first
   * build. Measured on 2 shared CPUs (docs/guest.md): the kernel compile (~9 min there) dominates
   * and scales with CPUs; the root filesystem (~4 min, downloads and dpkg) builds alongside it;
   * hashing the artifacts adds under a minute.
   */
  public static Duration estimate(int cpus) {
    long kernelCpuMinutes = 18;
    long rootfsMinutes = 5;
    long kernel = Math.max(3, kernelCpuMinutes / Math.max(1, cpus));
    return Duration.ofMinutes(Math.max(kernel, rootfsMinutes) + 1);
  }
}
