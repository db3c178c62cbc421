package dev.sbx.cli.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** One client of the control socket, as a verb sees it. */
public final class ControlConnection {
  private final SocketChannel channel;

  ControlConnection(SocketChannel channel) {
    this.channel = channel;
  }

  public SocketChannel channel() {
    return channel;
  }

  /** Sends one reply line ({@code \n} appended). */
  public void reply(String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }
}
