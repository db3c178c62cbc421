package dev.sbx.proxy.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port whose TCP connects never complete: a listener with a full accept queue that
 * never accepts, so the kernel drops further SYNs (an upstream that "times out", P57).
 */
final class Blackhole implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> fillers = new ArrayList<>();

  Blackhole() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    for (int i = 0; i < 64; i++) {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 300);
        fillers.add(s);
      } catch (SocketTimeoutException e) {
        s.close();
        return; // the queue is full: the next connect hangs too
      }
    }
    throw new IOException("could not fill the accept queue of a backlog-1 listener");
  }

  int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : fillers) {
      s.close();
    }
    server.close();
  }
}
