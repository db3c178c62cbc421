package dev.sbx.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The proxy's own answers: one-line {@code text/plain} bodies (L21). */
final class Responses {
  private Responses() {}

  static FullHttpResponse text(HttpResponseStatus status, String line, boolean blockedByPolicy) {
    byte[] body = (line.replace('\r', ' ').replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    // A block's reason phrase is the message itself: for HTTPS the client sees only the CONNECT
    // answer's status line, and clients such as Python's http.client quote just that (L21, P11).
    // printable(): a reason phrase may hold only visible ASCII and spaces (RFC 9112).
    HttpResponseStatus s = blockedByPolicy
        ? new HttpResponseStatus(status.code(), PeerText.printable(line)) : status;
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (blockedByPolicy) {
      r.headers().set("X-Proxy-Error", "blocked-by-policy");
    }
    return r;
  }
}
