package dev.sbx.cli.engine;

import java.util.Optional;

/**
 * What engine selection needs to know about the host, as values so selection is testable.
 *
 * @param os lower-cased {@code os.name}
 * @param kvmUnusable empty if {@code /dev/kvm} is present and hardware-backed, else why not
 * @param qemu whether {@code qemu-system-x86_64} is installed
 */
public record HostFacts(String os, Optional<String> kvmUnusable, boolean qemu) {

  public boolean linux() {
    return os.contains("linux");
  }

  public boolean mac() {
    return os.contains("mac");
  }

  public boolean windows() {
    return os.contains("win");
  }
}
