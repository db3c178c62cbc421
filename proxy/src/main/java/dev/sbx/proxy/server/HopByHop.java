package dev.sbx.proxy.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies headers into a fresh, validating header set without hop-by-hop fields (L14, L17):
 * whatever {@code Connection} names, plus Connection, Proxy-Connection, Proxy-Authorization,
 * Keep-Alive, TE, Trailer, Upgrade and HTTP2-Settings. A WebSocket upgrade keeps
 * {@code Upgrade: websocket} and {@code Connection: Upgrade}; h2c upgrades are dropped.
 */
final class HopByHop {
  private static final Set<String> ALWAYS = Set.of("connection", "proxy-connection", "proxy-authorization",
      "proxy-authenticate", "keep-alive", "te", "trailer", "upgrade", "http2-settings", "host");

  private HopByHop() {}

  /** True if the message asks for a WebSocket upgrade. */
  static boolean isWebSocketUpgrade(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)
        && "websocket".equalsIgnoreCase(h.get(HttpHeaderNames.UPGRADE));
  }

  static HttpHeaders copy(HttpHeaders in, boolean webSocket) {
    Set<String> drop = new HashSet<>(ALWAYS);
    for (String v : in.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : v.split(",")) {
        String t = token.strip().toLowerCase(Locale.ROOT);
        // Message framing is never hop-by-hop; dropping it would desynchronise the upstream.
        if (!t.equals("content-length") && !t.equals("transfer-encoding")) {
          drop.add(t);
        }
      }
    }
    HttpHeaders out = new DefaultHttpHeaders();
    for (Map.Entry<String, String> e : in) {
      if (!drop.contains(e.getKey().toLowerCase(Locale.ROOT))) {
        out.add(e.getKey(), e.getValue());
      }
    }
    if (webSocket) {
      out.set(HttpHeaderNames.CONNECTION, "Upgrade");
      out.set(HttpHeaderNames.UPGRADE, "websocket");
    }
    return out;
  }
}
