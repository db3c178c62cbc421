package dev.sbx.vmm.memory;

/**
 * An access outside guest RAM, or one that wraps or crosses a region boundary. Guest-controlled
 * addresses raise this instead of touching host memory; device code catches it and fails the
 * request, never the VMM.
 */
public final class GuestMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestMemoryException(String message) {
    super(message);
  }
}
