package dev.sbx.cli.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Streams to guest vsock ports from inside the VMM, through the vsock device's host socket. */
final class GuestVsock {
  private static final int MAX_REPLY = 64;

  private GuestVsock() {}

  /** A stream to guest {@code port} after the device's {@code CONNECT}/{@code OK} handshake. */
  static SocketChannel connect(SandboxFiles files, int port) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(files.vsockSocket()));
      ByteBuffer req = ByteBuffer.wrap(("CONNECT " + Integer.toUnsignedString(port) + "\n")
          .getBytes(StandardCharsets.US_ASCII));
      while (req.hasRemaining()) {
        ch.write(req);
      }
      String reply = LineReader.read(ch, MAX_REPLY);
      if (!reply.startsWith("OK ")) {
        throw new IOException("guest vsock port " + Integer.toUnsignedString(port) + " refused: " + reply);
      }
      return ch;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }
}
