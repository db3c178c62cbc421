package dev.sbx.vmm.tcg;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What QEMU runs for the tcg engine: QEMU is only the CPU and memory; every device but the
 * serial console is ours, over vhost-user.
 *
 * @param console where the guest's serial console goes
 */
public record QemuMachineSpec(Path kernel, Optional<Path> initrd, String cmdline, int cpus, long memoryBytes,
    Console console, List<VhostUserDevice> devices) {

  /**
   * The serial console's destination: a file QEMU writes itself, or a Unix socket QEMU connects
   * to (so the VMM can watch the console, bound its log and spot the ready marker).
   */
  public record Console(Path path, boolean socket) {
    public static Console file(Path path) {
      return new Console(path, false);
    }

    public static Console socket(Path path) {
      return new Console(path, true);
    }
  }

  public QemuMachineSpec {
    if (cpus < 1) {
      throw new IllegalArgumentException("a VM needs at least one vCPU");
    }
    if (memoryBytes < (16L << 20) || memoryBytes % (1 << 20) != 0) {
      throw new IllegalArgumentException("memory must be whole MiB, at least 16 MiB");
    }
    devices = List.copyOf(devices);
  }
}
