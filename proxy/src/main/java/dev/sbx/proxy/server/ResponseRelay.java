package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.PlaceholderInjector;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler on an upstream connection: relays its decoded responses to the client (same
 * event loop) as fresh messages, without hop-by-hop fields (L14) or the injected secret (L15),
 * with framing the client can rely on. Of the 1xx responses only 100 Continue reaches the client;
 * a WebSocket 101 hands both connections over to raw {@link Relay}s.
 */
final class ResponseRelay extends ChannelInboundHandlerAdapter {
  private final ForwardHandler client;
  private final ChannelHandlerContext clientCtx;
  // The decoder ends a 1xx with its own last-content; that one is not relayed. Independent of the
  // client's phase: a 100 Continue arrives while the request body is still being sent.
  private boolean inInterim;

  ResponseRelay(ForwardHandler client, ChannelHandlerContext clientCtx) {
    this.client = client;
    this.clientCtx = clientCtx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse r) {
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        client.upstreamBroken("malformed response from upstream: " + PeerText.reason(r.decoderResult().cause()));
        return;
      }
      onHead(r);
      if (!(msg instanceof HttpContent)) {
        return;
      }
    }
    if (msg instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        c.release();
        client.upstreamBrokenMidBody();
        return;
      }
      if (inInterim) {
        if (c instanceof LastHttpContent) {
          inInterim = false;
        }
        c.release();
        return;
      }
      client.countDown(c.content().readableBytes());
      boolean last = c instanceof LastHttpContent;
      // A fresh last-content: upstream trailers are not passed on.
      clientCtx.writeAndFlush(last ? new DefaultLastHttpContent(c.content().retain()) : c.retain());
      c.release();
      if (!clientCtx.channel().isWritable()) {
        client.pauseUpstream();
      }
      if (last) {
        client.responseComplete();
      }
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void onHead(HttpResponse r) {
    int code = r.status().code();
    boolean switching = code == 101 && client.webSocket();
    HttpHeaders out = HopByHop.copy(r.headers(), switching);
    String secret = client.injectedSecret();
    if (secret != null) {
      PlaceholderInjector.scrub(out, secret);
    }
    if (code >= 100 && code < 200 && !switching) {
      inInterim = true;
      if (code == 100) {
        clientCtx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), out));
        clientCtx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      return;
    }
    DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), out);
    boolean bodyless = code == 204 || code == 304 || switching;
    if (!bodyless && !HttpUtil.isContentLengthSet(resp) && !HttpUtil.isTransferEncodingChunked(resp)) {
      HttpUtil.setTransferEncodingChunked(resp, true);
    }
    if (client.closeAfterResponse() && !switching) {
      out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    client.responseStarted(code);
    if (switching) {
      clientCtx.writeAndFlush(resp).addListener(f -> client.switchToRaw());
      return;
    }
    clientCtx.writeAndFlush(resp);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    client.updateRead();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
