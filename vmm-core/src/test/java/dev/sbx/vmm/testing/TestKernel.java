package dev.sbx.vmm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Debian cloud kernel and the virtio modules the device tests load, fetched once with {@code
 * apt-get download} and cached under {@code ~/.cache/sbx/test-kernel/<package>/} (stand-in until
 * the project kernel exists). Needs apt (Debian) the first time; later runs use the cache.
 */
public final class TestKernel {
  /** The modules the tests need; {@link #loadOrder()} sorts them by their dependencies. */
  public static final List<String> MODULES = List.of(
      "drivers/virtio/virtio", "drivers/virtio/virtio_ring", "drivers/virtio/virtio_mmio",
      "drivers/block/virtio_blk", "drivers/char/hw_random/virtio-rng",
      "net/vmw_vsock/vsock", "net/vmw_vsock/vmw_vsock_virtio_transport_common",
      "net/vmw_vsock/vmw_vsock_virtio_transport", "fs/fuse/fuse", "fs/fuse/virtiofs");
  private static final String META = "linux-image-cloud-amd64";

  private final Path dir;

  private TestKernel(Path dir) {
    this.dir = dir;
  }

  public Path vmlinuz() {
    return dir.resolve("vmlinuz");
  }

  /** Directory of {@code <name>.ko} files named by the last path element of {@link #MODULES}. */
  public Path modules() {
    return dir.resolve("modules");
  }

  /**
   * Module file names ({@code x.ko}) with each module's dependencies first, read from the
   * {@code depends=} entry of its .modinfo section (dependencies move between kernel releases).
   */
  public List<String> loadOrder() throws IOException {
    java.util.Map<String, List<String>> deps = new java.util.LinkedHashMap<>();
    for (String m : MODULES) {
      String file = Path.of(m).getFileName() + ".ko";
      String text = new String(Files.readAllBytes(modules().resolve(file)), java.nio.charset.StandardCharsets.ISO_8859_1);
      int at = text.indexOf("\0depends=");
      List<String> d = List.of();
      if (at >= 0) {
        String v = text.substring(at + 9, text.indexOf('\0', at + 9));
        d = v.isEmpty() ? List.of() : List.of(v.split(","));
      }
      deps.put(file.substring(0, file.length() - 3).replace('-', '_'), d);
    }
    List<String> order = new java.util.ArrayList<>();
    for (String m : deps.keySet()) {
      visit(m, deps, order, new java.util.HashSet<>());
    }
    List<String> files = new java.util.ArrayList<>();
    for (String m : order) {
      for (String f : MODULES) {
        String file = Path.of(f).getFileName() + ".ko";
        if (file.substring(0, file.length() - 3).replace('-', '_').equals(m)) {
          files.add(file);
        }
      }
    }
    return files;
  }

  private static void visit(String m, java.util.Map<String, List<String>> deps, List<String> order,
      java.util.Set<String> path) throws IOException {
    if (order.contains(m)) {
      return;
    }
    if (!deps.containsKey(m)) {
      throw new IOException("module dependency " + m + " is not in TestKernel.MODULES; add it");
    }
    if (!path.add(m)) {
      throw new IOException("module dependency cycle at " + m);
    }
    for (String d : deps.get(m)) {
      visit(d.replace('-', '_'), deps, order, path);
    }
    order.add(m);
  }

  public static synchronized TestKernel get() throws IOException, InterruptedException {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
        .resolve("sbx").resolve("test-kernel");
    Files.createDirectories(cache);
    try (var s = Files.list(cache)) {
      for (Path p : s.toList()) {
        if (Files.exists(p.resolve("complete"))) {
          return new TestKernel(p);
        }
      }
    }
    String pkg = resolvePackage();
    Path tmp = Files.createTempDirectory(cache, ".fetch-");
    try {
      run(tmp, "apt-get", "download", pkg);
      Path deb;
      try (var s = Files.list(tmp)) {
        deb = s.filter(p -> p.toString().endsWith(".deb")).findFirst()
            .orElseThrow(() -> new IOException("apt-get download " + pkg + " produced no .deb"));
      }
      Path x = tmp.resolve("x");
      run(tmp, "dpkg-deb", "-x", deb.toString(), x.toString());
      Path boot;
      try (var s = Files.list(x.resolve("boot"))) {
        boot = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
            .orElseThrow(() -> new IOException(pkg + " has no /boot/vmlinuz-*"));
      }
      String version = boot.getFileName().toString().substring("vmlinuz-".length());
      Path out = tmp.resolve("out");
      Files.createDirectories(out.resolve("modules"));
      Files.copy(boot, out.resolve("vmlinuz"));
      Path kmods = x.resolve("lib/modules").resolve(version).resolve("kernel");
      for (String m : MODULES) {
        Path ko = kmods.resolve(m + ".ko");
        if (!Files.exists(ko)) {
          throw new IOException(pkg + " lacks module " + m + ".ko");
        }
        Files.copy(ko, out.resolve("modules").resolve(ko.getFileName()));
      }
      Files.writeString(out.resolve("complete"), pkg + "\n");
      Path target = cache.resolve(pkg);
      Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
      return new TestKernel(target);
    } finally {
      run(cache, "rm", "-rf", tmp.toString());
    }
  }

  /** The newest versioned cloud kernel apt knows, refreshing apt's lists once if it knows none. */
  private static String resolvePackage() throws IOException, InterruptedException {
    String found = newestCloudKernel();
    if (found == null && "root".equals(System.getProperty("user.name"))) {
      run(Path.of("."), "apt-get", "update", "-qq");
      found = newestCloudKernel();
    }
    if (found == null) {
      throw new IOException("apt knows no " + META + " kernel package; run apt-get update (the device tests "
          + "download one Debian kernel once and cache it in ~/.cache/sbx/test-kernel)");
    }
    return found;
  }

  private static String newestCloudKernel() throws IOException, InterruptedException {
    String list = run(Path.of("."), "apt-cache", "search", "--names-only", "^linux-image-[0-9.]*-[0-9]*-cloud-amd64$");
    Matcher m = Pattern.compile("^(linux-image-([0-9.]+)-([0-9]+)-cloud-amd64) ", Pattern.MULTILINE).matcher(list);
    String best = null;
    long bestAbi = -1;
    while (m.find()) {
      long abi = Long.parseLong(m.group(3));
      if (abi > bestAbi) {
        bestAbi = abi;
        best = m.group(1);
      }
    }
    return best;
  }

  static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("the device tests need " + cmd[0] + " (Debian apt tools): " + e.getMessage(), e);
    }
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }
}
