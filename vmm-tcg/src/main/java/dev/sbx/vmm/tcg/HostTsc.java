package dev.sbx.vmm.tcg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host's TSC rate, for the guest's {@code tsc_early_khz=}: under TCG on {@code -M microvm}
 * the guest kernel finds no timer to calibrate the TSC against (no PIT speaker port, HPET or ACPI
 * PM timer) and stalls, and TCG's TSC runs at the host's rate.
 */
public final class HostTsc {
  private HostTsc() {}

  public static Optional<Long> khz() {
    try {
      return khz(Files.readAllLines(Path.of("/proc/cpuinfo")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** From {@code /proc/cpuinfo}'s first {@code cpu MHz} line. */
  static Optional<Long> khz(List<String> cpuinfo) {
    for (String line : cpuinfo) {
      if (line.startsWith("cpu MHz")) {
        try {
          double mhz = Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
          return mhz > 0 ? Optional.of(Math.round(mhz * 1000)) : Optional.empty();
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
