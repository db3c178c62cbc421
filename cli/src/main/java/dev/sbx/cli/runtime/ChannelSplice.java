package dev.sbx.cli.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * Relays bytes both ways between two channels until both directions have ended, passing on
 * half-closes where the channel supports them (socket channels); otherwise the end of one
 * direction closes the other channel. The calling thread relays one direction, a new one the other.
 */
final class ChannelSplice {
  private static final int BUFFER = 64 * 1024;

  private ChannelSplice() {}

  static void run(ByteChannel a, ByteChannel b, String name) {
    Thread back = new Thread(() -> copy(b, a), name + "-back");
    back.setDaemon(true);
    back.start();
    copy(a, b);
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(a);
      closeQuietly(b);
    }
  }

  private static void copy(ByteChannel from, ByteChannel to) {
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    try {
      while (from.read(buf) >= 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          to.write(buf);
        }
        buf.clear();
      }
      if (to instanceof SocketChannel s) {
        s.shutdownOutput();
        return;
      }
    } catch (IOException e) {
      // One side failed: end both directions.
    }
    closeQuietly(to);
    closeQuietly(from);
  }

  private static void closeQuietly(ByteChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
