package dev.sbx.proxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A TCP origin that only counts what reaches it: connections and bytes, never answering. */
final class CountingOrigin implements AutoCloseable {
  private final ServerSocket server;
  final AtomicInteger connections = new AtomicInteger();
  final AtomicLong bytes = new AtomicLong();

  CountingOrigin() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          Thread r = new Thread(() -> drain(s), "counting-origin-conn");
          r.setDaemon(true);
          r.start();
        } catch (IOException e) {
          // closed
        }
      }
    }, "counting-origin");
    t.setDaemon(true);
    t.start();
  }

  private void drain(Socket s) {
    try (s; InputStream in = s.getInputStream()) {
      byte[] b = new byte[8192];
      for (int n; (n = in.read(b)) > 0; ) {
        bytes.addAndGet(n);
      }
    } catch (IOException e) {
      // peer gone
    }
  }

  int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
