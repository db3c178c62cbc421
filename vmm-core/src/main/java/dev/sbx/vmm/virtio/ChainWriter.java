package dev.sbx.vmm.virtio;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * The device-writable buffers of one descriptor chain as a single byte stream. Writing more than
 * {@link #remaining()} throws {@link VirtioException}. {@link #written()} is what the device
 * reports as the used length.
 */
public interface ChainWriter {

  int remaining();

  /** Total bytes written so far. */
  int written();

  void write(byte[] src, int offset, int length);

  default void write(byte[] src) {
    write(src, 0, src.length);
  }

  /**
   * Reads up to {@code length} bytes from {@code channel} at {@code position} straight into guest
   * memory.
   *
   * @return bytes transferred; fewer at end of file
   */
  long transferFrom(FileChannel channel, long position, int length) throws IOException;
}
