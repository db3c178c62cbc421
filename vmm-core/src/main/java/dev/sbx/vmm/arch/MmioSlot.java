package dev.sbx.vmm.arch;

/**
 * One virtio-mmio device window in guest-physical space and the interrupt (GSI) it raises.
 *
 * @param base guest-physical address of the register window
 * @param size window length in bytes
 * @param gsi global system interrupt the device signals
 */
public record MmioSlot(long base, long size, int gsi) {

  public MmioSlot {
    if (base < 0 || size <= 0 || base + size < base) {
      throw new IllegalArgumentException(
          "bad virtio-mmio window: base 0x" + Long.toHexString(base) + ", size " + size);
    }
    if (gsi < 0) {
      throw new IllegalArgumentException("bad virtio-mmio GSI " + gsi + ": must be >= 0");
    }
  }

  /** First address after the window. */
  public long end() {
    return base + size;
  }
}
