package dev.sbx.proxy.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Resolves a validated host name (never a literal) once; a seam for tests. */
@FunctionalInterface
public interface NameResolver {
  List<InetAddress> resolve(String host) throws UnknownHostException;

  /** The system resolver. Names reaching it passed N6/N7, so the JDK never parses a literal. */
  static NameResolver system() {
    return host -> List.of(InetAddress.getAllByName(host));
  }
}
