package dev.sbx.vmm.tcg;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What QEMU runs for the tcg engine: QEMU is only the CPU and memory; every device but the
 * serial console is ours, over vhost-user.
 *
 * @param consoleLog file the guest's serial console is written to
 */
public record QemuMachineSpec(Path kernel, Optional<Path> initrd, String cmdline, int cpus, long memoryBytes,
    Path consoleLog, List<VhostUserDevice> devices) {

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
