package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.Credentials;
import dev.sbx.proxy.cred.PlaceholderInjector;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * One client connection speaking HTTP/1.1 to the proxy: absolute-form {@code http://} requests on
 * the proxy port, or origin-form requests inside an intercepted tunnel ({@code tunnel} set). It
 * checks each head, asks {@link PolicyEnforcement}, and forwards the request over an
 * {@link UpstreamLink}; responses come back through {@link ResponseRelay}. A {@code CONNECT} goes
 * to {@link ConnectTunnel}. One request at a time (no pipelining), one upstream at a time, never
 * shared across hosts (L19); bodies stream both ways without aggregation (L16).
 */
final class ForwardHandler extends ChannelInboundHandlerAdapter {
  private final ProxyServer server;
  private final HeadGuard guard;
  private final Destination tunnel;
  private ChannelHandlerContext ctx;

  private Phase phase = Phase.IDLE;
  private int requests;
  private UpstreamLink upstream;
  private Channel preconnected; // dialled by CONNECT for an intercepted tunnel, used by the first request
  private Admission preconnectedAdmission;

  // The current request's, set from its head; independent of the phase.
  private boolean closeAfterResponse;
  private boolean webSocket;
  private String injectedSecret;
  private Exchange exchange;

  ForwardHandler(ProxyServer server, HeadGuard guard, Destination tunnel) {
    this.server = server;
    this.guard = guard;
    this.tunnel = tunnel;
  }

  /** For an intercepted tunnel: the TCP connection CONNECT already opened to the checked address. */
  void preconnected(Channel ch, Admission admission) {
    this.preconnected = ch;
    this.preconnectedAdmission = admission;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      requests++;
      if (phase.discarding()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (requests > guard.headsScanned()) {
        ReferenceCountUtil.release(msg);
        refuse(HttpResponseStatus.BAD_REQUEST, "pipelined requests are not supported; wait for each response");
        return;
      }
      if (req.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        refuseMalformed(req.decoderResult().cause());
        return;
      }
      if (phase.busy()) {
        ReferenceCountUtil.release(msg);
        refuse(HttpResponseStatus.BAD_REQUEST, "pipelined requests are not supported; wait for each response");
        return;
      }
      try {
        onHead(req);
      } catch (RuntimeException e) {
        // A throwing filter denies (L23).
        server.logError(e);
        refuse(HttpResponseStatus.BAD_GATEWAY, "proxy error");
      } finally {
        ReferenceCountUtil.release(req);
      }
      return;
    }
    if (msg instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        c.release();
        abortRequest("malformed request body: " + PeerText.reason(c.decoderResult().cause()));
        return;
      }
      if (phase.discarding()) {
        c.release();
        return;
      }
      onContent(c);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  // ---------------------------------------------------------------- requests

  private void onHead(HttpRequest req) {
    HttpHeaders h = req.headers();
    if (h.getAll(HttpHeaderNames.HOST).size() > 1) {
      refuse(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
      return;
    }
    if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      var te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
      if (te.size() != 1 || !te.get(0).strip().equalsIgnoreCase("chunked") || req.protocolVersion() != HttpVersion.HTTP_1_1) {
        refuse(HttpResponseStatus.BAD_REQUEST, "only 'Transfer-Encoding: chunked' on HTTP/1.1 is accepted");
        return;
      }
    }
    if (req.method() == HttpMethod.CONNECT) {
      if (tunnel != null) {
        refuse(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT inside a tunnel is not allowed");
      } else {
        new ConnectTunnel(server, guard, this, ctx).open(req);
      }
      return;
    }
    RequestTarget target;
    try {
      target = RequestTarget.of(req, tunnel);
    } catch (RequestTarget.Refused e) {
      refuse(e.status, e.getMessage());
      return;
    }
    Destination d = target.destination();
    exchange = new Exchange(req.method().name(), d, tunnel == null ? "http" : "intercept");
    PolicyState.Snapshot snap = server.state().get();
    Verdict v = PolicyEnforcement.decide(snap, d, List.of(), false);
    exchange.verdict = v;
    if (!v.allowed()) {
      deny(v, d);
      return;
    }
    webSocket = HopByHop.isWebSocketUpgrade(h);
    HttpHeaders out = HopByHop.copy(h, webSocket);
    out.set(HttpHeaderNames.HOST, d.hostHeader(tunnel == null ? 80 : 443));
    closeAfterResponse = !HttpUtil.isKeepAlive(req);
    if (closeAfterResponse && !webSocket) {
      out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    injectedSecret = null;
    if (tunnel != null) {
      // Only on intercepted TLS to a bound host, never plain HTTP (L15). The binding is read
      // per request so a rotated secret applies to the next request.
      Credentials.Binding b = snap.credentials().bindingFor(tunnel);
      if (b != null && PlaceholderInjector.inject(h, out, b.service(), b.secret())) {
        injectedSecret = b.secret();
        exchange.service = b.service().name();
      }
    }
    forward(new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), target.path(), out), d);
  }

  private void forward(HttpRequest forwarded, Destination d) {
    phase = phase.headSent();
    if (upstream != null && upstream.carries(d)) {
      exchange.address = upstream.address();
      upstream.send(forwarded);
    } else {
      if (upstream != null) {
        upstream.close();
      }
      upstream = new UpstreamLink(server, this, ctx, d, tunnel != null);
      upstream.send(forwarded);
      Channel dialled = preconnected;
      Admission admitted = preconnectedAdmission;
      preconnected = null;
      preconnectedAdmission = null;
      upstream.open(dialled, admitted);
    }
    updateRead();
  }

  private void onContent(HttpContent c) {
    if (exchange != null) {
      exchange.bytesUp += c.content().readableBytes();
    }
    if (c instanceof LastHttpContent) {
      phase = phase.requestComplete();
      if (!webSocket) {
        guard.rearm(); // the next bytes start a new head; after an upgrade they are not HTTP
      }
    }
    if (upstream != null) {
      upstream.send(c);
    } else {
      c.release(); // no upstream left to take it: the request has already been answered or closed
    }
    updateRead();
  }

  // ---------------------------------------------------------------- from ConnectTunnel

  void tunnelOpening(Exchange ex) {
    exchange = ex;
    phase = Phase.TUNNEL;
    ctx.channel().config().setAutoRead(false);
  }

  // ---------------------------------------------------------------- from UpstreamLink

  void upstreamAttached(String address) {
    if (exchange != null) {
      exchange.address = address;
    }
  }

  void upstreamDenied(Verdict v, Destination d) {
    if (exchange != null) {
      exchange.verdict = v;
    }
    deny(v, d);
  }

  void upstreamFailed(HttpResponseStatus status, String reason) {
    if (upstream != null) {
      upstream.giveUp();
    }
    if (exchange != null) {
      exchange.status = status.code();
      exchange.detail = reason;
      server.logExchange(exchange, false);
      exchange = null;
    }
    if (!phase.responseSent() && ctx.channel().isActive()) {
      refuse(status, reason);
    } else {
      ctx.close();
    }
  }

  void upstreamClosed(UpstreamLink link) {
    if (upstream != link) {
      return;
    }
    boolean wasOpening = link.opening();
    upstream = null;
    if (phase.discarding()) {
      return; // our own answer is already on its way, followed by a close
    }
    if (phase.busy() || wasOpening) {
      if (!phase.responseSent() && ctx.channel().isActive()) {
        refuse(HttpResponseStatus.BAD_GATEWAY, "upstream closed the connection");
      } else {
        ctx.close();
      }
    }
  }

  // ---------------------------------------------------------------- from ResponseRelay

  boolean webSocket() {
    return webSocket;
  }

  boolean closeAfterResponse() {
    return closeAfterResponse;
  }

  String injectedSecret() {
    return injectedSecret;
  }

  void countDown(int bytes) {
    if (exchange != null) {
      exchange.bytesDown += bytes;
    }
  }

  void upstreamBroken(String reason) {
    if (upstream != null) {
      upstream.close();
    }
    upstreamFailed(HttpResponseStatus.BAD_GATEWAY, reason);
  }

  void upstreamBrokenMidBody() {
    if (upstream != null) {
      upstream.close();
    }
    ctx.close(); // mid-body: the only honest signal left
  }

  void pauseUpstream() {
    if (upstream != null) {
      upstream.autoRead(false);
    }
  }

  void responseStarted(int code) {
    if (exchange != null) {
      exchange.status = code;
    }
    phase = phase.responseStarted();
  }

  void responseComplete() {
    if (exchange != null) {
      server.logExchange(exchange, true);
      exchange = null;
    }
    phase = phase.responseComplete();
    injectedSecret = null;
    // Still SENDING: the origin answered before the body ended, so the rest cannot be framed.
    if (closeAfterResponse || phase == Phase.SENDING) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    updateRead();
  }

  /** After a WebSocket 101: both connections become raw relays and this handler leaves. */
  void switchToRaw() {
    Channel up = upstream == null ? null : upstream.channel();
    if (up == null || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    if (exchange != null) {
      server.logExchange(exchange, true);
      exchange = null;
    }
    Channel client = ctx.channel();
    var counters = server.tracker().counters(client);
    up.pipeline().remove("relay");
    up.pipeline().addLast("raw", new Relay(client, counters[1]));
    up.pipeline().remove("http");
    client.pipeline().remove(guard);
    client.pipeline().addLast("raw", new Relay(up, counters[0]));
    client.pipeline().remove("http");
    client.pipeline().remove(this);
    client.config().setAutoRead(true);
    up.config().setAutoRead(true);
  }

  // ---------------------------------------------------------------- backpressure

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.autoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Reads from the client only while a request may be sent on and the upstream can take it. */
  void updateRead() {
    boolean opening = upstream != null && upstream.opening();
    boolean want = !opening && !phase.awaitingResponse() && !phase.discarding()
        && (upstream == null || upstream.writable());
    ctx.channel().config().setAutoRead(want);
  }

  // ---------------------------------------------------------------- refusals

  void deny(Verdict v, Destination d) {
    if (exchange != null) {
      exchange.status = 403;
      server.logExchange(exchange, false);
      exchange = null;
    }
    respondAndClose(Responses.text(HttpResponseStatus.FORBIDDEN, v.blockMessage(d), true));
  }

  private void refuseMalformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      refuse(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
    } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      refuse(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
    } else {
      refuse(HttpResponseStatus.BAD_REQUEST, "malformed request: " + PeerText.reason(cause));
    }
  }

  void refuse(HttpResponseStatus status, String text) {
    if (exchange != null) {
      exchange.status = status.code();
      exchange.detail = text;
      server.logExchange(exchange, false);
      exchange = null;
    }
    respondAndClose(Responses.text(status, text, false));
  }

  private void respondAndClose(FullHttpResponse r) {
    boolean answered = phase.responseSent();
    phase = Phase.CLOSING;
    if (upstream != null) {
      upstream.close();
    }
    if (answered || !ctx.channel().isActive()) {
      r.release();
      ctx.close();
      return;
    }
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  private void abortRequest(String why) {
    // The head may already be upstream: close it so the request is never completed there.
    if (upstream != null) {
      upstream.close();
      upstream = null;
    }
    if (!phase.responseSent()) {
      refuse(HttpResponseStatus.BAD_REQUEST, why);
    } else {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.close();
    }
    if (preconnected != null) {
      preconnected.close();
    }
    if (exchange != null && exchange.verdict != null && exchange.verdict.allowed()) {
      exchange.detail = "client closed";
      server.logExchange(exchange, true);
      exchange = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
