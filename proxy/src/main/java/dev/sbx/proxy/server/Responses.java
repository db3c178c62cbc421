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
    HttpResponseStatus s = blockedByPolicy ? new HttpResponseStatus(status.code(), reasonPhrase(line)) : status;
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (blockedByPolicy) {
      r.headers().set("X-Proxy-Error", "blocked-by-policy");
    }
    return r;
  }

  /** RFC 9112 reason-phrase: HTAB, SP and visible ASCII only; anything else becomes '?'. */
  static String reasonPhrase(String line) {
    StringBuilder b = new StringBuilder(Math.min(line.length(), 512));
    for (int i = 0; i < line.length() && i < 512; i++) {
      char c = line.charAt(i);
      b.append(c == '\t' || (c >= 0x20 && c < 0x7f) ? c : '?');
    }
    return b.toString();
  }
}
