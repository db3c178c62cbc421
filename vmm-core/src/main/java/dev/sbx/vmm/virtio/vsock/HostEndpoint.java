package dev.sbx.vmm.virtio.vsock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;

/** The host side of one vsock connection: a Unix socket, or a pipe pair to an in-process handler. */
interface HostEndpoint {
  int read(ByteBuffer dst) throws IOException;

  void write(ByteBuffer src) throws IOException;

  /** No more bytes will be written to the host. */
  void shutdownOutput();

  void close();

  static HostEndpoint of(SocketChannel ch) {
    return new HostEndpoint() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return ch.read(dst);
      }

      @Override
      public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
          ch.write(src);
        }
      }

      @Override
      public void shutdownOutput() {
        try {
          ch.shutdownOutput();
        } catch (IOException ignored) {
          // Already closed.
        }
      }

      @Override
      public void close() {
        try {
          ch.close();
        } catch (IOException ignored) {
          // Nothing left to release.
        }
      }
    };
  }

  /** Two pipes: what the guest sends goes to {@code toHandler}, what the handler writes to {@code fromHandler}. */
  static HostEndpoint ofPipes(Pipe toHandler, Pipe fromHandler) {
    return new HostEndpoint() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return fromHandler.source().read(dst);
      }

      @Override
      public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
          toHandler.sink().write(src);
        }
      }

      @Override
      public void shutdownOutput() {
        closeQuietly(toHandler.sink());
      }

      @Override
      public void close() {
        closeQuietly(toHandler.sink());
        closeQuietly(fromHandler.source());
      }
    };
  }

  /** The handler's view of the same pipes. */
  static ByteChannel handlerChannel(Pipe toHandler, Pipe fromHandler) {
    return new ByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return toHandler.source().read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return fromHandler.sink().write(src);
      }

      @Override
      public boolean isOpen() {
        return fromHandler.sink().isOpen();
      }

      @Override
      public void close() {
        closeQuietly(toHandler.source());
        closeQuietly(fromHandler.sink());
      }
    };
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing left to release.
    }
  }
}
