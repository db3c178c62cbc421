package dev.sbx.image;

/** Progress of an image build, for a progress display. Called from the building thread. */
public interface BuildListener {

  /** A build step started (e.g. {@code kernel-compile}, {@code rootfs-agents}). */
  void step(String name);

  /** One line of build output (the full log is also written to the build directory). */
  default void output(String line) {}

  BuildListener NONE = name -> {};
}
