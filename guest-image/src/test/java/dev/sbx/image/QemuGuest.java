package dev.sbx.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A guest image booted under {@code qemu-system-x86_64 -M microvm -accel tcg} with QEMU's own
 * virtio-mmio devices: vda = base image (read-only), vdb = data disk, vdc = config disk. The
 * serial console goes to a log file and is kept for assertions.
 */
final class QemuGuest implements AutoCloseable {

  private static final int CONSOLE_LIMIT = 32 << 20;

  private final Process process;
  private final Thread pump;
  private final StringBuilder console = new StringBuilder();

  private QemuGuest(Process process, Path consoleLog) throws IOException {
    this.process = process;
    OutputStream log = Files.newOutputStream(consoleLog);
    InputStream in = process.getInputStream();
    this.pump = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (log) {
        int n;
        while ((n = in.read(buf)) > 0) {
          log.write(buf, 0, n);
          log.flush();
          synchronized (console) {
            if (console.length() < CONSOLE_LIMIT) {
              console.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
          }
        }
      } catch (IOException e) {
        // QEMU went away; what was read stays.
      }
    }, "qemu-console");
    pump.setDaemon(true);
    pump.start();
  }

  static List<String> command(GuestImage image, Path dataDisk, Path configDisk, String cmdline) {
    List<String> cmd = new ArrayList<>(List.of(
        "qemu-system-x86_64", "-M", "microvm,rtc=off", "-accel", "tcg,thread=multi", "-cpu", "max",
        "-smp", "2", "-m", "2048", "-nodefaults", "-no-user-config", "-display", "none",
        "-no-reboot", "-serial", "stdio", "-monitor", "none",
        "-kernel", image.kernel().toString(), "-append", cmdline,
        "-drive", "id=base,file=" + image.rootfs() + ",format=raw,if=none,readonly=on",
        "-device", "virtio-blk-device,drive=base",
        "-drive", "id=data,file=" + dataDisk + ",format=raw,if=none,cache=unsafe",
        "-device", "virtio-blk-device,drive=data",
        "-drive", "id=config,file=" + configDisk + ",format=raw,if=none,readonly=on",
        "-device", "virtio-blk-device,drive=config",
        "-device", "virtio-rng-device"));
    return cmd;
  }

  /**
   * Under TCG on microvm the kernel finds nothing to calibrate the TSC against (no PIT speaker
   * port, HPET or ACPI PM timer) and stalls; TCG's TSC runs at the host's rate, so tell it that.
   */
  static String tscHint() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("cpu MHz")) {
        double mhz = Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
        return " tsc_early_khz=" + Math.round(mhz * 1000);
      }
    }
    throw new IOException("no 'cpu MHz' in /proc/cpuinfo to pass the guest its TSC rate");
  }

  static QemuGuest boot(GuestImage image, Path dataDisk, Path configDisk, String cmdline, Path consoleLog)
      throws IOException {
    return boot(image, dataDisk, configDisk, cmdline, consoleLog, List.of());
  }

  /** As above with extra QEMU arguments (e.g. a device on the boot-timer port). */
  static QemuGuest boot(GuestImage image, Path dataDisk, Path configDisk, String cmdline, Path consoleLog,
      List<String> extraArgs) throws IOException {
    List<String> cmd = command(image, dataDisk, configDisk, cmdline + tscHint());
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    return new QemuGuest(p, consoleLog);
  }

  /**
   * Waits for the VM to end on its own (the guest powered off or rebooted). The limit only stops
   * a hung guest from hanging the build; it is not a speed assertion.
   */
  int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      pump.join(5000);
      throw new AssertionError("the guest did not end within " + limit + "; console tail:\n" + tail(4000));
    }
    pump.join(10_000);
    return process.exitValue();
  }

  String console() {
    synchronized (console) {
      return console.toString().replace("\r", "");
    }
  }

  String tail(int chars) {
    String c = console();
    return c.substring(Math.max(0, c.length() - chars));
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }
}
