package dev.sbx.vmm.bus;

/**
 * A device reachable by port I/O or MMIO. Offsets are relative to the device's base; values are
 * little-endian in the low {@code size} bytes (1, 2, 4 or 8). Called from vCPU threads: an
 * implementation must be thread-safe when more than one vCPU can reach it.
 */
public interface BusDevice {

  long read(long offset, int size);

  void write(long offset, int size, long value);
}
