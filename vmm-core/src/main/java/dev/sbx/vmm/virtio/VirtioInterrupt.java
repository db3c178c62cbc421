package dev.sbx.vmm.virtio;

/**
 * How a device tells the driver something happened; the transport decides what that means (an
 * InterruptStatus bit plus a GSI on virtio-mmio, a call eventfd on vhost-user). Thread-safe.
 */
public interface VirtioInterrupt {

  /** Buffers were added to queue {@code queue}'s used ring. */
  void signalUsedBuffer(int queue);

  /** The device's configuration space changed. */
  void signalConfigChange();
}
