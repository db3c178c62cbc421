package dev.sbx.proxy.server;

import dev.sbx.proxy.net.Dialer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records every address the proxy dials and maps "public" test addresses onto loopback
 * origins; any other non-loopback address is recorded as a violation and never dialled.
 */
final class RecordingDialer implements Dialer {
  final List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
  final List<InetSocketAddress> violations = new CopyOnWriteArrayList<>();
  private final Map<InetSocketAddress, InetSocketAddress> routes = new ConcurrentHashMap<>();

  RecordingDialer route(String address, int port, int loopbackPort) {
    routes.put(new InetSocketAddress(address, port), new InetSocketAddress("127.0.0.1", loopbackPort));
    return this;
  }

  @Override
  public InetSocketAddress route(InetSocketAddress checked) {
    dialled.add(checked);
    InetSocketAddress to = routes.get(checked);
    if (to != null) {
      return to;
    }
    if (!checked.getAddress().isLoopbackAddress()) {
      violations.add(checked); // never leave the host: send it to a closed loopback port
      return new InetSocketAddress("127.0.0.1", 1);
    }
    return checked;
  }
}
