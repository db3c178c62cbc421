package dev.sbx.vmm.devices.legacy;

import dev.sbx.vmm.bus.BusDevice;
import java.util.function.LongConsumer;

/**
 * Records when the guest reached init: guest init writes {@link #MAGIC} to this port (Firecracker's
 * boot-timer trick; the NSDI'20 harness used port 0x3f0), and the VMM gets a host timestamp
 * without parsing the console.
 */
public final class BootTimer implements BusDevice {
  public static final int PORT = 0x3f0;
  public static final int MAGIC = 123;

  private final long startNanos;
  private final LongConsumer onBoot;
  private volatile long bootNanos = -1;

  /**
   * @param startNanos {@link System#nanoTime()} when the VMM started
   * @param onBoot receives the nanoseconds from start to the guest's write, once
   */
  public BootTimer(long startNanos, LongConsumer onBoot) {
    this.startNanos = startNanos;
    this.onBoot = onBoot;
  }

  @Override
  public long read(long offset, int size) {
    return 0;
  }

  @Override
  public void write(long offset, int size, long value) {
    if (offset == 0 && (value & 0xff) == MAGIC && bootNanos < 0) {
      bootNanos = System.nanoTime() - startNanos;
      onBoot.accept(bootNanos);
    }
  }

  /** Nanoseconds from VMM start to the guest's boot mark, or -1 before it. */
  public long bootNanos() {
    return bootNanos;
  }
}
