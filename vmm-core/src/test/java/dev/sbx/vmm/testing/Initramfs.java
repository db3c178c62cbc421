package dev.sbx.vmm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A busybox-static initramfs whose init loads the test kernel's virtio modules, runs {@code
 * /test.sh}, prints {@code SBX-TEST-EXIT <status>} on the console and resets the machine.
 */
public final class Initramfs {
  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private final Map<String, Path> extraFiles = new LinkedHashMap<>();
  private String script = "true\n";

  public Initramfs script(String s) {
    this.script = s;
    return this;
  }

  /** Adds an executable at {@code /name}. */
  public Initramfs file(String name, Path source) {
    extraFiles.put(name, source);
    return this;
  }

  public Path build(TestKernel kernel, Path workDir) throws IOException, InterruptedException {
    // Debian's plain busybox is dynamically linked (it names the ELF interpreter): useless alone.
    if (!Files.isExecutable(BUSYBOX) || new String(Files.readAllBytes(BUSYBOX),
        java.nio.charset.StandardCharsets.ISO_8859_1).contains("/lib64/ld-linux")) {
      throw new IOException("the device tests need a static busybox at /bin/busybox: apt-get install busybox-static");
    }
    Path root = workDir.resolve("initramfs-root");
    for (String d : new String[] {"bin", "proc", "sys", "dev", "tmp", "lib/modules"}) {
      Files.createDirectories(root.resolve(d));
    }
    Files.copy(BUSYBOX, root.resolve("bin/busybox"));
    StringBuilder load = new StringBuilder();
    for (String name : kernel.loadOrder()) {
      Files.copy(kernel.modules().resolve(name), root.resolve("lib/modules").resolve(name));
      load.append("insmod /lib/modules/").append(name).append(" || echo \"SBX-INSMOD-FAILED ").append(name)
          .append("\"\n");
    }
    for (var e : extraFiles.entrySet()) {
      Files.copy(e.getValue(), root.resolve(e.getKey()));
      exec(root.resolve(e.getKey()));
    }
    Files.writeString(root.resolve("init"), "#!/bin/busybox sh\n"
        + "/bin/busybox --install -s /bin\n"
        + "export PATH=/bin\n"
        + "mount -t proc proc /proc\nmount -t sysfs sys /sys\nmount -t devtmpfs dev /dev\n"
        + load
        + "echo SBX-TEST-BEGIN\n"
        + "sh /test.sh\n"
        + "echo \"SBX-TEST-EXIT $?\"\n"
        + "sync\nreboot -f\n");
    exec(root.resolve("init"));
    Files.writeString(root.resolve("test.sh"), script);
    Path out = workDir.resolve("initramfs.cpio");
    TestKernel.run(root, "sh", "-c", "find . | cpio -o -H newc --quiet > " + out);
    return out;
  }

  private static void exec(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
