package dev.sbx.vmm.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code qemu-system-x86_64 -M microvm -accel tcg} with shared (memfd) RAM, so vhost-user backends
 * can map it; the serial console is collected line by line.
 */
public final class QemuGuest implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread pump;

  private QemuGuest(Process process, Consumer<String> onLine) {
    this.process = process;
    this.pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          synchronized (lines) {
            lines.add(l);
          }
          onLine.accept(l);
        }
      } catch (IOException ignored) {
        // QEMU went away.
      }
    }, "qemu-console");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * @param devices extra {@code -chardev}/{@code -device} arguments
   * @param onLine called on the console thread for each line
   */
  public static QemuGuest start(TestKernel kernel, Path initrd, String memory, List<String> devices,
      Consumer<String> onLine) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64",
        "-M", "microvm,memory-backend=mem", "-accel", "tcg", "-m", memory,
        "-object", "memory-backend-memfd,id=mem,size=" + memory + ",share=on",
        "-kernel", kernel.vmlinuz().toString(), "-initrd", initrd.toString(),
        "-append", "console=ttyS0 panic=-1 reboot=t quiet" + tscHint(),
        "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"));
    cmd.addAll(devices);
    try {
      return new QemuGuest(new ProcessBuilder(cmd).redirectErrorStream(true).start(), onLine);
    } catch (IOException e) {
      throw new IOException("the device tests need qemu-system-x86_64: apt-get install qemu-system-x86", e);
    }
  }

  /**
   * Under TCG on a loaded host the kernel's PIT calibration of the TSC can fail, and the boot then
   * hangs; TCG's TSC runs at the host's rate, so hand the kernel that rate instead.
   */
  private static String tscHint() {
    try {
      for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("cpu MHz")) {
          double mhz = Double.parseDouble(l.substring(l.indexOf(':') + 1).trim());
          return " tsc_early_khz=" + Math.round(mhz * 1000);
        }
      }
    } catch (IOException | RuntimeException e) {
      // No hint: the kernel calibrates as usual.
    }
    return "";
  }

  /** Waits for QEMU to exit (bounded so a hung guest fails the test instead of the build). */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("guest did not finish in " + seconds + " s; console:\n" + console());
    }
    pump.join(5_000);
    return process.exitValue();
  }

  public String console() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** Values of console lines {@code R <key> <value>}. */
  public String result(String key) {
    synchronized (lines) {
      for (String l : lines) {
        if (l.startsWith("R " + key + " ")) {
          return l.substring(3 + key.length()).trim();
        }
      }
    }
    throw new AssertionError("the guest printed no result '" + key + "'; console:\n" + console());
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
