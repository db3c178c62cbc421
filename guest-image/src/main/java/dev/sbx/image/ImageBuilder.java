package dev.sbx.image;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the recipe's {@code build-image.sh} into the image's cache directory and, only after it
 * succeeded, hashes the artifacts and writes the manifest. One build at a time per cache (a file
 * lock); a concurrent caller waits and then reuses the result.
 */
final class ImageBuilder {

  private static final Pattern STEP = Pattern.compile("^sbx-build: step ([a-z0-9-]+)$");
  private static final Pattern TIME = Pattern.compile("^sbx-build: time ([a-z]+) ([0-9]+)$");
  /** Artifacts the manifest lists, in order. */
  static final List<String> ARTIFACTS =
      List.of(GuestImage.KERNEL, GuestImage.ROOTFS, "kernel.config", "packages.txt");
  private static final int LOG_TAIL = 30;

  private final ImageStore store;
  private final Recipe recipe;
  private final Prerequisites prerequisites;
  private final boolean root;

  ImageBuilder(ImageStore store, Recipe recipe, Prerequisites prerequisites, boolean root) {
    this.store = store;
    this.recipe = recipe;
    this.prerequisites = prerequisites;
    this.root = root;
  }

  GuestImage build(boolean force, BuildListener listener)
      throws ImageBuildException, IOException, InterruptedException {
    String version = recipe.version();
    Files.createDirectories(store.root());
    try (FileChannel lockFile = FileChannel.open(store.root().resolve(".build.lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock lock = lockFile.lock()) {
      Optional<GuestImage> existing = store.find(version);
      if (existing.isPresent() && !force) {
        return existing.get();
      }
      prerequisites.ensure(listener);
      if (!root) {
        throw new ImageBuildException("building the sandbox image needs root (mmdebstrap and "
            + "chroot); run: sudo -E sbx image build");
      }
      return buildLocked(version, listener);
    }
  }

  private GuestImage buildLocked(String version, BuildListener listener)
      throws ImageBuildException, IOException, InterruptedException {
    Path dir = store.directoryFor(version);
    Path buildDir = store.root().resolve(".build-" + version);
    // Whatever is there is unfinished (no manifest) or being replaced (--force): the manifest goes
    // first so that no reader trusts the directory while it is rebuilt.
    Files.deleteIfExists(dir.resolve(ImageManifest.FILE_NAME));
    FileTrees.delete(dir);
    FileTrees.delete(buildDir.resolve("recipe"));
    Files.createDirectories(dir);
    Path recipeDir = buildDir.resolve("recipe");
    recipe.extractTo(recipeDir);
    Path log = buildDir.resolve("build.log");

    Map<String, Long> seconds = new LinkedHashMap<>();
    Deque<String> tail = new ArrayDeque<>();
    ProcessBuilder pb = new ProcessBuilder("bash", recipeDir.resolve("build-image.sh").toString(),
        dir.toString(), buildDir.resolve("work").toString()).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process proc = pb.start();
    // If sbx itself is stopped, the build must not carry on unobserved and later look finished.
    Thread killer = new Thread(() -> {
      proc.descendants().forEach(ProcessHandle::destroy);
      proc.destroy();
    });
    Runtime.getRuntime().addShutdownHook(killer);
    int rc;
    try (BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
         var reader = proc.inputReader(StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        out.write(line);
        out.newLine();
        if (tail.size() == LOG_TAIL) {
          tail.removeFirst();
        }
        tail.addLast(line);
        Matcher step = STEP.matcher(line);
        Matcher time = TIME.matcher(line);
        if (step.matches()) {
          listener.step(step.group(1));
        } else if (time.matches()) {
          seconds.put(time.group(1), Long.parseLong(time.group(2)));
        }
        listener.output(line);
      }
      rc = proc.waitFor();
    } finally {
      if (proc.isAlive()) {
        proc.descendants().forEach(ProcessHandle::destroy);
        proc.destroy();
      }
      Runtime.getRuntime().removeShutdownHook(killer);
    }
    if (rc != 0) {
      throw new ImageBuildException("the image build failed (exit " + rc + "); the full log is "
          + log + "; its end:\n" + String.join("\n", tail));
    }

    listener.step("manifest");
    List<ImageManifest.ImageFile> files = new ArrayList<>();
    for (String name : ARTIFACTS) {
      Path f = dir.resolve(name);
      if (!Files.isRegularFile(f)) {
        throw new ImageBuildException("the image build did not produce " + name + "; see " + log);
      }
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        ch.force(true);
      }
      files.add(new ImageManifest.ImageFile(name, Files.size(f), ImageStore.sha256(f)));
    }
    AtomicFile.fsyncDirectory(dir);
    new ImageManifest(ImageManifest.FORMAT, version, Instant.now().toString(), files, seconds)
        .writeAtomically(dir.resolve(ImageManifest.FILE_NAME));
    Files.copy(log, dir.resolve("build.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    FileTrees.delete(buildDir);
    return store.find(version).orElseThrow(() ->
        new ImageBuildException("the built image in " + dir + " does not verify"));
  }
}
