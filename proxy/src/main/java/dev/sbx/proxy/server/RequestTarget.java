package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.InvalidTargetException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Locale;

/**
 * Where a forwarded request goes: its destination and the origin-form target sent upstream. On
 * the proxy port that is the absolute-form {@code http://} target; inside an intercepted tunnel
 * it is always the tunnel's host, and a target or {@code Host} naming another host is refused
 * rather than followed (one tunnel, one host).
 */
record RequestTarget(Destination destination, String path) {

  /** A target the proxy refuses, with the status and one-line message to answer with. */
  static final class Refused extends Exception {
    final HttpResponseStatus status;

    Refused(HttpResponseStatus status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** The target of {@code req}; {@code tunnel} is the intercepted tunnel's destination, or null on the proxy port. */
  static RequestTarget of(HttpRequest req, Destination tunnel) throws Refused {
    String uri = req.uri();
    if (tunnel == null) {
      return parse(uri);
    }
    String path;
    if (uri.startsWith("/")) {
      path = uri;
    } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
      RequestTarget t = parse("http://" + uri.substring(8));
      Destination abs = t.destination();
      if (!abs.host().equals(tunnel.host()) || (abs.port() != 80 && abs.port() != tunnel.port())) {
        throw new Refused(HttpResponseStatus.FORBIDDEN, "request for " + abs.authorityHost()
            + " inside the tunnel to " + tunnel.host() + "; open a tunnel to that host instead");
      }
      path = t.path();
    } else {
      throw new Refused(HttpResponseStatus.BAD_REQUEST, "request target must be a path inside a tunnel");
    }
    String host = req.headers().get(HttpHeaderNames.HOST);
    if (host == null) {
      if (req.protocolVersion() == HttpVersion.HTTP_1_1) {
        throw new Refused(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 request without Host");
      }
    } else if (!hostMatches(host, tunnel)) {
      throw new Refused(HttpResponseStatus.FORBIDDEN, "Host '" + PeerText.printable(host)
          + "' does not match the tunnel host " + tunnel.host() + "; open a tunnel to that host instead");
    }
    return new RequestTarget(tunnel, path);
  }

  private static RequestTarget parse(String absoluteUri) throws Refused {
    try {
      Destinations.HttpTarget t = Destinations.parseHttpTarget(absoluteUri);
      return new RequestTarget(t.destination(), t.originForm());
    } catch (InvalidTargetException e) {
      throw new Refused(HttpResponseStatus.BAD_REQUEST, e.getMessage());
    }
  }

  // The Host of a request inside a tunnel: the tunnel's host, on its port or the default 443.
  private static boolean hostMatches(String host, Destination tunnel) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    int port = 443;
    int colon = h.lastIndexOf(':');
    if (colon > 0 && colon > h.lastIndexOf(']')) {
      try {
        port = Destinations.parsePort(h.substring(colon + 1));
      } catch (InvalidTargetException e) {
        return false;
      }
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.equals(tunnel.authorityHost()) && (port == tunnel.port() || port == 443);
  }
}
