package dev.sbx.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Debian packages the image build needs on the host. As root the build installs what is
 * missing; otherwise it stops with the exact {@code apt-get install} line to run.
 */
final class Prerequisites {

  private final List<String> packages;
  private final boolean root;

  Prerequisites(List<String> packages, boolean root) {
    this.packages = List.copyOf(packages);
    this.root = root;
  }

  static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  List<String> missing() throws IOException, InterruptedException {
    List<String> missing = new ArrayList<>();
    for (String p : packages) {
      Process proc = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", p)
          .redirectErrorStream(true).start();
      String status = new String(proc.getInputStream().readAllBytes());
      if (proc.waitFor() != 0 || !status.contains("ok installed")) {
        missing.add(p);
      }
    }
    return missing;
  }

  void ensure(BuildListener listener) throws ImageBuildException, IOException, InterruptedException {
    List<String> missing = missing();
    if (missing.isEmpty()) {
      return;
    }
    String line = "apt-get install -y --no-install-recommends " + String.join(" ", missing);
    if (!root) {
      throw new ImageBuildException("building the sandbox image needs Debian packages that are "
          + "missing; install them with: sudo " + line);
    }
    listener.step("prerequisites");
    run(listener, List.of("apt-get", "update", "-q"));
    List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q",
        "--no-install-recommends"));
    install.addAll(missing);
    if (run(listener, install) != 0) {
      throw new ImageBuildException("installing the image build's prerequisites failed; run: " + line);
    }
  }

  private static int run(BuildListener listener, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process proc = pb.start();
    try (var reader = proc.inputReader()) {
      reader.lines().forEach(listener::output);
    }
    return proc.waitFor();
  }
}
