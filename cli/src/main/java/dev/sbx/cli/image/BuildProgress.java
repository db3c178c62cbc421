package dev.sbx.cli.image;

import dev.sbx.image.BuildListener;
import dev.sbx.image.ImageManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress display for an image build: a one-line estimate, then one line per step with the
 * elapsed time. Used by {@code sbx image build} and by commands that build on first use.
 */
public final class BuildProgress implements BuildListener {

  private final PrintWriter err;
  private final boolean verbose;
  private final long started = System.nanoTime();

  public BuildProgress(PrintWriter err, boolean verbose) {
    this.err = err;
    this.verbose = verbose;
  }

  /** The one-line notice before a build starts. */
  public void announce(String version, Path cache) {
    Duration estimate = ImageManager.estimate(Runtime.getRuntime().availableProcessors());
    err.printf("Building sandbox image %s (first use; about %d minutes on this machine) into %s%n",
        version, estimate.toMinutes(), cache);
    err.flush();
  }

  @Override
  public void step(String name) {
    err.printf("[%s] %s%n", elapsed(), name);
    err.flush();
  }

  @Override
  public void output(String line) {
    if (verbose) {
      err.println("  " + line);
      err.flush();
    }
  }

  void done() {
    err.printf("[%s] done%n", elapsed());
    err.flush();
  }

  private String elapsed() {
    long s = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }

  static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%d MiB", bytes >> 20);
  }
}
