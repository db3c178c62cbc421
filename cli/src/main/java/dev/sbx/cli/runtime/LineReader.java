package dev.sbx.cli.runtime;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads one {@code \n}-terminated line from a channel a byte at a time, so that nothing after the
 * line is consumed (after {@code CONNECT} the same channel carries raw bytes). Bounded: a longer
 * line is an error, never a growing buffer.
 */
final class LineReader {
  private LineReader() {}

  /** The line without its terminator (a trailing {@code \r} is dropped too). */
  static String read(ReadableByteChannel channel, int maxBytes) throws IOException {
    byte[] line = new byte[maxBytes];
    ByteBuffer one = ByteBuffer.allocate(1);
    int n = 0;
    while (true) {
      one.clear();
      int r = channel.read(one);
      if (r < 0) {
        throw new EOFException(n == 0 ? "connection closed" : "connection closed in the middle of a line");
      }
      if (r == 0) {
        continue;
      }
      byte b = one.get(0);
      if (b == '\n') {
        break;
      }
      if (n == maxBytes) {
        throw new LineTooLongException(maxBytes);
      }
      line[n++] = b;
    }
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    return new String(line, 0, n, StandardCharsets.UTF_8);
  }

  /** A request line longer than the protocol allows. */
  static final class LineTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    LineTooLongException(int max) {
      super("line longer than " + max + " bytes");
    }
  }
}
