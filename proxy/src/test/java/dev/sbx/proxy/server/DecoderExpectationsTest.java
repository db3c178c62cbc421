package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Netty's request decoder refuses and accepts on its own (proxy-threats.md L18). If a
 * Netty upgrade changes a default, these fail loudly and HeadGuard/ForwardHandler need review.
 */
class DecoderExpectationsTest {

  private static boolean decoderRejects(String raw) {
    EmbeddedChannel ch = new EmbeddedChannel(ProxyServer.serverCodec(ProxyConfig.Limits.defaults()));
    ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    boolean failed = false;
    for (Object o; (o = ch.readInbound()) != null; ) {
      if (o instanceof HttpObject h && h.decoderResult().isFailure()) {
        failed = true;
      }
      if (o instanceof HttpContent c) {
        c.release();
      }
    }
    ch.finishAndReleaseAll();
    return failed;
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, xchunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u0000b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"})
  void rejectedByNetty(String raw) {
    assertTrue(decoderRejects(raw), raw);
  }

  // Accepted by Netty, therefore refused by HeadGuard or ForwardHandler (see ParsingTest).
  @ParameterizedTest
  @ValueSource(strings = {
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"})
  void acceptedByNettySoTheProxyChecksThem(String raw) {
    assertFalse(decoderRejects(raw), raw);
  }
}
