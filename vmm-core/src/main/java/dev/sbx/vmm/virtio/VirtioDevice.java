package dev.sbx.vmm.virtio;

import java.util.List;

/**
 * A virtio device model independent of its transport: the same object serves virtio-mmio inside
 * the sbx VMM and vhost-user for an external VMM. The transport owns feature negotiation, the
 * queue registers and interrupts; the device owns its configuration space and request handling.
 *
 * <p>Lifecycle: {@link #activate} once the driver is ready, then {@link #queueNotified} whenever the
 * driver kicks a queue (from one transport thread at a time), then {@link #reset}. A device must
 * never let an exception caused by guest input escape: malformed requests get the device's error
 * status, malformed rings leave the {@link Virtqueue} broken (the transport then reports
 * DEVICE_NEEDS_RESET).
 */
public interface VirtioDevice extends AutoCloseable {

  /** Virtio device ID (block 2, rng 4, vsock 19, fs 26). */
  int deviceType();

  /** Every feature bit the device offers, ring features ({@link VirtioFeatures}) included. */
  long features();

  /** Number of virtqueues. */
  int queueCount();

  /** Largest size the driver may give queue {@code index} (a power of two). */
  int queueMaxSize(int index);

  /** Largest total byte count one chain may carry on this device; longer chains break the queue. */
  default int maxChainBytes() {
    return 1 << 20;
  }

  /** Size of the configuration space in bytes. */
  int configSize();

  /** Reads configuration bytes; out-of-range bytes read as zero. */
  void readConfig(int offset, byte[] dst);

  /** Writes configuration bytes; devices ignore fields that are read-only. */
  default void writeConfig(int offset, byte[] src) {}

  /**
   * Starts the device with the features the driver accepted. {@code queues} has {@link
   * #queueCount()} entries; a queue the driver did not set up reports {@code isReady() == false}
   * and {@link Virtqueue#pop()} returns null for it.
   */
  void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt);

  /** The driver made buffers available on queue {@code index}. */
  void queueNotified(int index);

  /** Stops all processing and forgets driver state; the device can be activated again. */
  void reset();

  /** Releases host resources (files, sockets, threads). */
  @Override
  default void close() {
    reset();
  }
}
