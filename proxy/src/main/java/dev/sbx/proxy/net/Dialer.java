package dev.sbx.proxy.net;

import java.net.InetSocketAddress;

/**
 * Where the proxy's socket actually goes for a checked address. Production dials the checked
 * address itself; tests map public test addresses onto loopback origins and record each dial.
 */
@FunctionalInterface
public interface Dialer {
  InetSocketAddress route(InetSocketAddress checked);

  static Dialer direct() {
    return a -> a;
  }
}
