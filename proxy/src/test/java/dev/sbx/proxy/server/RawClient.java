package dev.sbx.proxy.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Writes exact bytes to the proxy and reads what comes back until close or a read timeout. */
final class RawClient implements AutoCloseable {
  private final Socket socket;

  RawClient(InetSocketAddress proxy) throws IOException {
    socket = new Socket();
    socket.connect(proxy, 5000);
    socket.setSoTimeout(5000);
  }

  RawClient send(String s) throws IOException {
    return send(s.getBytes(StandardCharsets.UTF_8));
  }

  RawClient send(byte[] b) throws IOException {
    OutputStream o = socket.getOutputStream();
    o.write(b);
    o.flush();
    return this;
  }

  /** Everything until the proxy closes (or 5 s of silence). */
  String readAll() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] b = new byte[8192];
    try {
      for (int n; (n = in.read(b)) > 0; ) {
        buf.write(b, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // silence or reset: return what arrived
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** True if the proxy closed the connection (EOF) within the socket timeout. */
  boolean closedByPeer() throws IOException {
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  /**
   * True once the peer has closed {@code s} (EOF or reset) within 10 s, whatever it sent before;
   * false if it is still open then. Works on TLS sockets too.
   */
  static boolean closesWithin10s(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    try {
      while (in.read() >= 0) {
        // drain until EOF
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
