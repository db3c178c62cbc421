package dev.sbx.vmm.virtio;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * The device-readable buffers of one descriptor chain, presented as a single byte stream. Every
 * byte comes from the guest: callers validate what they read. Reading past {@link #remaining()}
 * throws {@link VirtioException}; nothing outside the chain's validated buffers is ever touched.
 */
public interface ChainReader {

  /** Bytes left to read. */
  int remaining();

  /** Reads exactly {@code length} bytes or throws {@link VirtioException} if fewer remain. */
  void read(byte[] dst, int offset, int length);

  default byte[] readBytes(int length) {
    byte[] b = new byte[length];
    read(b, 0, length);
    return b;
  }

  default int readInt() {
    byte[] b = readBytes(4);
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  default long readLong() {
    long lo = Integer.toUnsignedLong(readInt());
    long hi = Integer.toUnsignedLong(readInt());
    return lo | hi << 32;
  }

  /** Skips {@code length} bytes or throws {@link VirtioException}. */
  void skip(int length);

  /**
   * Writes the next {@code length} bytes to {@code channel} at {@code position}, straight from
   * guest memory.
   *
   * @return bytes written (short only if the channel accepts fewer)
   */
  long transferTo(FileChannel channel, long position, int length) throws IOException;
}
