package dev.sbx.cli.runtime;

import java.io.IOException;
import java.time.Duration;

/**
 * Asks the guest to power off cleanly (init stops dockerd, syncs and remounts the data disk
 * read-only, then ends the VM). Engine-independent: it talks to the guest, not to the CPU.
 */
@FunctionalInterface
interface GuestPowerOff {
  /** Sends the request; returns once it is delivered (the VM ends later). */
  void request(SandboxFiles files, Duration within) throws IOException;
}
