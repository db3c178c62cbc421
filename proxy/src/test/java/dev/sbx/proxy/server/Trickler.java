package dev.sbx.proxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A loopback relay that forwards client bytes to the proxy one byte per write (TCP_NODELAY), so
 * the proxy sees the CONNECT head and the ClientHello in many tiny reads (checklist P42).
 */
final class Trickler implements AutoCloseable {
  private final ServerSocket server;

  Trickler(InetSocketAddress proxy) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try (Socket client = server.accept(); Socket up = new Socket()) {
        up.setTcpNoDelay(true);
        up.connect(proxy);
        Thread back = new Thread(() -> copy(up, client, false));
        back.setDaemon(true);
        back.start();
        copy(client, up, true);
      } catch (IOException e) {
        // test over
      }
    }, "trickler");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private static void copy(Socket from, Socket to, boolean oneByteAtATime) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        if (oneByteAtATime) {
          for (int i = 0; i < n; i++) {
            out.write(buf[i]);
            out.flush();
          }
        } else {
          out.write(buf, 0, n);
          out.flush();
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
