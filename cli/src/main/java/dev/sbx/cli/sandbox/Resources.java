package dev.sbx.cli.sandbox;

import dev.sbx.cli.ByteSize;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;

/** CPU and memory sizing of sbx-cli.md §6.3, from the host's figures. */
public record Resources(int hostCpus, long hostMemory) {
  public static final long MIB = 1L << 20;
  public static final long MIN_MEMORY = 512 * MIB;
  public static final long DEFAULT_MAX = 32L << 30;

  public static Resources ofHost() {
    long mem = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getTotalMemorySize();
    return new Resources(Runtime.getRuntime().availableProcessors(), mem);
  }

  /** {@code 0} = every host CPU; more than the host has is an error. */
  public int cpus(int requested) {
    if (requested < 0) {
      throw new UserException("--cpus must be 0 (all) or a positive number", ExitCodes.USAGE);
    }
    if (requested > hostCpus) {
      throw new UserException("--cpus " + requested + " is more than this host's " + hostCpus
          + " CPUs; use at most " + hostCpus + " (or 0 for all)", ExitCodes.USAGE);
    }
    return requested == 0 ? hostCpus : requested;
  }

  /** Default 50% of host RAM clamped to 512 MiB-32 GiB; explicit sizes from 512 MiB to max(75%, 512 MiB). */
  public long memory(String requested) {
    if (requested == null) {
      return Math.min(Math.max(hostMemory / 2, MIN_MEMORY), DEFAULT_MAX) / MIB * MIB;
    }
    long bytes;
    try {
      bytes = ByteSize.parse(requested);
    } catch (IllegalArgumentException e) {
      throw new UserException("bad --memory '" + requested + "': " + e.getMessage() + "; use e.g. 512m or 8g",
          ExitCodes.USAGE);
    }
    long max = Math.max(hostMemory / 4 * 3, MIN_MEMORY);
    if (bytes < MIN_MEMORY) {
      throw new UserException("--memory " + requested + " is below the minimum of 512m", ExitCodes.USAGE);
    }
    if (bytes > max) {
      throw new UserException("--memory " + requested + " is more than this host can give (at most "
          + (max / MIB) + "m)", ExitCodes.USAGE);
    }
    return bytes / MIB * MIB;
  }
}
