package dev.sbx.vmm.tcg;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds {@code qemu-system-x86_64}, the CPU of the tcg engine. */
public final class QemuBinary {
  public static final String NAME = "qemu-system-x86_64";
  /** The Debian/Ubuntu package that ships it. */
  public static final String INSTALL_HINT = "sudo apt-get install -y qemu-system-x86";

  private QemuBinary() {}

  /** The first executable {@value #NAME} on {@code PATH}. */
  public static Optional<Path> find() {
    String path = System.getenv("PATH");
    return path == null ? Optional.empty() : find(path);
  }

  static Optional<Path> find(String path) {
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, NAME);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public static Path require() throws TcgException {
    return find().orElseThrow(() -> new TcgException(
        "the tcg engine needs QEMU, and " + NAME + " is not on PATH; install it with: " + INSTALL_HINT));
  }
}
