package dev.sbx.proxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A misbehaving HTTP origin (plain or TLS): answers every request head with fixed bytes. */
final class RawOrigin implements AutoCloseable {
  private final ServerSocket server;
  final AtomicInteger requests = new AtomicInteger();

  RawOrigin(String response) throws IOException {
    this(response, null);
  }

  /** The same over TLS with {@code tls}'s key (null: plain). */
  RawOrigin(String response, javax.net.ssl.SSLContext tls) throws IOException {
    server = tls == null ? new ServerSocket(0, 8, InetAddress.getLoopbackAddress())
        : tls.getServerSocketFactory().createServerSocket(0, 8, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          StringBuilder head = new StringBuilder();
          while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
              break;
            }
            head.append((char) b);
          }
          requests.incrementAndGet();
          s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
          s.setSoTimeout(2000);
          try {
            in.read(); // hold the connection until the proxy closes it
          } catch (IOException e) {
            // timeout
          }
        } catch (IOException e) {
          // next
        }
      }
    }, "raw-origin");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
