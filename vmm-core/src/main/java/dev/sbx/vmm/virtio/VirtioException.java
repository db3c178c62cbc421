package dev.sbx.vmm.virtio;

/**
 * A guest broke the virtio contract (malformed descriptor, short buffer, bad index). The device
 * fails the request or marks the queue broken; the VMM keeps running.
 */
public final class VirtioException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public VirtioException(String message) {
    super(message);
  }
}
