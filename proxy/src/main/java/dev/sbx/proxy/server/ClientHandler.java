package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.Credentials;
import dev.sbx.proxy.cred.PlaceholderInjector;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.InvalidTargetException;
import dev.sbx.proxy.policy.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One client connection speaking HTTP/1.1 to the proxy: absolute-form {@code http://} requests
 * and {@code CONNECT} on the proxy port, or origin-form requests inside an intercepted tunnel
 * ({@code tunnel} set). One upstream connection at a time, never shared across hosts (L19);
 * one request at a time (no pipelining); bodies stream both ways without aggregation (L16).
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private final ProxyServer server;
  private final HeadGuard guard;
  private final Destination tunnel;
  private ChannelHandlerContext ctx;

  private Upstream upstream;
  private Channel pendingUpstream; // pre-connected by CONNECT for an intercepted tunnel
  private Admission pendingAdmission;
  private boolean connecting;
  private final ArrayDeque<HttpObject> queue = new ArrayDeque<>();

  private int requests;
  private boolean inRequest;
  private boolean awaitingResponse;
  private boolean responseStarted;
  private boolean informational;
  private boolean discard;
  private boolean closeAfterResponse;
  private boolean webSocket;
  private String injectedSecret;
  private Exchange exchange;

  ClientHandler(ProxyServer server, HeadGuard guard, Destination tunnel) {
    this.server = server;
    this.guard = guard;
    this.tunnel = tunnel;
  }

  /** For an intercepted tunnel: the TCP connection CONNECT already opened to the checked address. */
  void preconnected(Channel ch, Admission admission) {
    this.pendingUpstream = ch;
    this.pendingAdmission = admission;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      requests++;
      if (discard) {
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
      if (inRequest || awaitingResponse) {
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
        abortRequest("malformed request body: " + reason(c.decoderResult().cause()));
        return;
      }
      if (discard) {
        c.release();
        return;
      }
      onContent(c);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  // ---------------------------------------------------------------- request head

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
        onConnect(req);
      }
      return;
    }
    Destination d;
    String path;
    String uri = req.uri();
    if (tunnel == null) {
      try {
        Destinations.HttpTarget t = Destinations.parseHttpTarget(uri);
        d = t.destination();
        path = t.originForm();
      } catch (InvalidTargetException e) {
        refuse(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        return;
      }
    } else {
      d = tunnel;
      if (uri.startsWith("/")) {
        path = uri;
      } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
        try {
          Destinations.HttpTarget t = Destinations.parseHttpTarget("http://" + uri.substring(8));
          Destination abs = t.destination();
          if (!abs.host().equals(tunnel.host()) || (abs.port() != 80 && abs.port() != tunnel.port())) {
            refuse(HttpResponseStatus.FORBIDDEN, "request for " + abs.authorityHost() + " inside the tunnel to "
                + tunnel.host() + "; open a tunnel to that host instead");
            return;
          }
          path = t.originForm();
        } catch (InvalidTargetException e) {
          refuse(HttpResponseStatus.BAD_REQUEST, e.getMessage());
          return;
        }
      } else {
        refuse(HttpResponseStatus.BAD_REQUEST, "request target must be a path inside a tunnel");
        return;
      }
      String host = h.get(HttpHeaderNames.HOST);
      if (host == null) {
        if (req.protocolVersion() == HttpVersion.HTTP_1_1) {
          refuse(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 request without Host");
          return;
        }
      } else if (!hostMatchesTunnel(host)) {
        refuse(HttpResponseStatus.FORBIDDEN, "Host '" + printable(host) + "' does not match the tunnel host "
            + tunnel.host() + "; open a tunnel to that host instead");
        return;
      }
    }
    exchange = new Exchange(req.method().name(), d, tunnel == null ? "http" : "intercept");
    PolicyState.Snapshot snap = server.state().get();
    Verdict v = snap.policy().decide(d);
    if (!v.allowed()) {
      exchange.verdict = v;
      deny(v, d);
      return;
    }
    exchange.verdict = v;
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
    HttpRequest forwarded = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), path, out);
    inRequest = true;
    guardArmedForNext(false);
    if (upstream != null && upstream.channel.isActive() && upstream.destination.equals(d)) {
      exchange.address = upstream.address;
      upstream.channel.write(forwarded);
      upstream.channel.flush();
    } else {
      if (upstream != null) {
        upstream.channel.close();
        upstream = null;
      }
      queue.add(forwarded);
      openUpstream(d);
    }
    updateRead();
  }

  private boolean hostMatchesTunnel(String host) {
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

  private void onContent(HttpContent c) {
    if (exchange != null) {
      exchange.bytesUp += c.content().readableBytes();
    }
    boolean last = c instanceof LastHttpContent;
    if (last) {
      inRequest = false;
      awaitingResponse = true;
      guardArmedForNext(true);
    }
    if (connecting || upstream == null) {
      queue.add(c);
    } else {
      upstream.channel.writeAndFlush(c);
    }
    updateRead();
  }

  private void guardArmedForNext(boolean requestComplete) {
    if (requestComplete && !webSocket) {
      guard.rearm();
    }
  }

  // ---------------------------------------------------------------- upstream

  private void openUpstream(Destination d) {
    connecting = true;
    if (pendingUpstream != null) {
      Channel ch = pendingUpstream;
      Admission a = pendingAdmission;
      pendingUpstream = null;
      pendingAdmission = null;
      if (ch.isActive()) {
        attachUpstream(ch, d, a);
        return;
      }
    }
    server.gatekeeper().admit(d).whenComplete((a, err) -> ctx.executor().execute(() -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (err != null || a == null) {
        failUpstream(HttpResponseStatus.BAD_GATEWAY, "proxy error");
        return;
      }
      if (!a.allowed()) {
        if (a.status() == 403) {
          exchange.verdict = a.verdict();
          deny(a.verdict(), d);
        } else {
          failUpstream(HttpResponseStatus.valueOf(a.status()), a.reason());
        }
        return;
      }
      server.connector().connect(ctx.channel().eventLoop(), a.targets(), (ch, target) -> {
        if (!ctx.channel().isActive()) {
          ch.close();
          return;
        }
        attachUpstream(ch, d, a);
      }, (status, reason) -> failUpstream(status, reason));
    }));
  }

  private void attachUpstream(Channel ch, Destination d, Admission a) {
    String address = ProxyServer.addressText(ch);
    Upstream u = new Upstream(ch, d, address);
    upstream = u;
    exchange.address = address;
    server.tracker().track(ctx.channel(), ch, d, a, tunnel == null ? "http" : "intercept");
    ch.closeFuture().addListener(f -> ctx.executor().execute(() -> onUpstreamClosed(u)));
    if (tunnel != null) {
      var ssl = server.upstreamTls().newHandler(ch.alloc(), d.host(), d.port());
      ch.pipeline().addLast("tls", ssl);
      ch.pipeline().addLast("http", ProxyServer.newClientCodec());
      ch.pipeline().addLast("relay", new UpstreamHandler(this));
      ssl.handshakeFuture().addListener(f -> {
        if (!f.isSuccess()) {
          failUpstream(HttpResponseStatus.BAD_GATEWAY, "upstream TLS for " + d.host() + " failed: " + reason(f.cause()));
          ch.close();
        } else {
          upstreamReady();
        }
      });
      ch.config().setAutoRead(true);
    } else {
      ch.pipeline().addLast("http", ProxyServer.newClientCodec());
      ch.pipeline().addLast("relay", new UpstreamHandler(this));
      ch.config().setAutoRead(true);
      upstreamReady();
    }
  }

  private void upstreamReady() {
    connecting = false;
    if (upstream == null) {
      return;
    }
    Channel ch = upstream.channel;
    for (HttpObject o; (o = queue.poll()) != null; ) {
      ch.write(o);
    }
    ch.flush();
    updateRead();
  }

  private void onUpstreamClosed(Upstream u) {
    if (upstream != u) {
      return;
    }
    upstream = null;
    if (discard) {
      return; // our own answer is already on its way, followed by a close
    }
    if (inRequest || awaitingResponse || connecting) {
      if (!responseStarted && ctx.channel().isActive() && !discard) {
        refuse(HttpResponseStatus.BAD_GATEWAY, "upstream closed the connection");
      } else {
        ctx.close();
      }
    }
  }

  private void failUpstream(HttpResponseStatus status, String reason) {
    connecting = false;
    releaseQueue();
    if (exchange != null) {
      exchange.status = status.code();
      exchange.detail = reason;
      server.logExchange(exchange, false);
      exchange = null;
    }
    if (!responseStarted && ctx.channel().isActive()) {
      refuse(status, reason);
    } else {
      ctx.close();
    }
  }

  // ---------------------------------------------------------------- responses

  void onUpstreamMessage(HttpObject msg) {
    if (msg instanceof HttpResponse r) {
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        if (upstream != null) {
          upstream.channel.close();
        }
        failUpstream(HttpResponseStatus.BAD_GATEWAY, "malformed response from upstream: " + reason(r.decoderResult().cause()));
        return;
      }
      onResponseHead(r);
      if (!(msg instanceof HttpContent)) {
        return;
      }
    }
    if (msg instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        c.release();
        if (upstream != null) {
          upstream.channel.close();
        }
        ctx.close(); // mid-body: the only honest signal left
        return;
      }
      if (informational) {
        if (c instanceof LastHttpContent) {
          informational = false;
        }
        c.release();
        return;
      }
      if (exchange != null) {
        exchange.bytesDown += c.content().readableBytes();
      }
      boolean last = c instanceof LastHttpContent;
      ctx.writeAndFlush(last ? new io.netty.handler.codec.http.DefaultLastHttpContent(c.content().retain()) : c.retain());
      c.release();
      if (!ctx.channel().isWritable() && upstream != null) {
        upstream.channel.config().setAutoRead(false);
      }
      if (last) {
        onResponseComplete();
      }
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void onResponseHead(HttpResponse r) {
    int code = r.status().code();
    boolean switching = code == 101 && webSocket;
    HttpHeaders out = HopByHop.copy(r.headers(), switching);
    if (injectedSecret != null) {
      PlaceholderInjector.scrub(out, injectedSecret);
    }
    if (code >= 100 && code < 200 && !switching) {
      informational = true;
      if (code == 100) {
        ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), out));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      return;
    }
    DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), out);
    boolean bodyless = code == 204 || code == 304 || switching;
    if (!bodyless && !HttpUtil.isContentLengthSet(resp) && !HttpUtil.isTransferEncodingChunked(resp)) {
      HttpUtil.setTransferEncodingChunked(resp, true);
    }
    if (closeAfterResponse && !switching) {
      out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    if (exchange != null) {
      exchange.status = code;
    }
    responseStarted = true;
    if (switching) {
      ctx.writeAndFlush(resp).addListener(f -> switchToRelay());
      return;
    }
    ctx.writeAndFlush(resp);
  }

  private void onResponseComplete() {
    if (exchange != null) {
      server.logExchange(exchange, true);
      exchange = null;
    }
    awaitingResponse = false;
    responseStarted = false;
    injectedSecret = null;
    if (closeAfterResponse || inRequest) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    updateRead();
  }

  private void switchToRelay() {
    if (upstream == null || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    if (exchange != null) {
      server.logExchange(exchange, true);
      exchange = null;
    }
    Channel up = upstream.channel;
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

  void onUpstreamWritabilityChanged() {
    updateRead();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.channel.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void updateRead() {
    boolean want = !connecting && !awaitingResponse && !discard
        && (upstream == null || upstream.channel.isWritable());
    ctx.channel().config().setAutoRead(want);
  }

  // ---------------------------------------------------------------- CONNECT

  private void onConnect(HttpRequest req) {
    Destination d;
    try {
      d = Destinations.parseAuthority(req.uri());
    } catch (InvalidTargetException e) {
      refuse(HttpResponseStatus.BAD_REQUEST, e.getMessage());
      return;
    }
    Exchange ex = new Exchange("CONNECT", d, "tunnel");
    exchange = ex;
    discard = true; // nothing more is parsed as HTTP on this connection
    ctx.channel().config().setAutoRead(false);
    server.gatekeeper().admit(d).whenComplete((a, err) -> ctx.executor().execute(() -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      discard = false;
      if (err != null || a == null) {
        failUpstream(HttpResponseStatus.BAD_GATEWAY, "proxy error");
        return;
      }
      ex.verdict = a.verdict();
      if (!a.allowed()) {
        if (a.status() == 403) {
          deny(a.verdict(), d);
        } else {
          failUpstream(HttpResponseStatus.valueOf(a.status()), a.reason());
        }
        return;
      }
      server.connector().connect(ctx.channel().eventLoop(), a.targets(),
          (ch, target) -> {
            try {
              startTunnel(d, a, ch, ex);
            } catch (RuntimeException e) {
              server.logError(e);
              ch.close();
              ctx.channel().close();
            }
          },
          (status, reason) -> failUpstream(status, reason));
    }));
  }

  private void startTunnel(Destination d, Admission a, Channel up, Exchange ex) {
    Channel client = ctx.channel();
    if (!client.isActive()) {
      up.close();
      return;
    }
    PolicyState.Snapshot snap = server.state().get();
    Credentials.Binding binding = snap.credentials().bindingFor(d);
    ex.mode = binding == null ? "tunnel" : "intercept";
    ex.address = ProxyServer.addressText(up);
    ByteBuf early = guard.takeHeld();
    var counters = server.tracker().track(client, up, d, a, ex.mode);
    client.closeFuture().addListener(f -> {
      up.close();
      ex.bytesUp = counters[0].get();
      ex.bytesDown = counters[1].get();
      server.logTunnel(ex);
    });
    var pipe = client.pipeline();
    pipe.remove(guard);
    pipe.remove("http");
    pipe.remove(this);
    long hs = server.config().limits().tlsHandshakeTimeout().toMillis();
    if (binding == null) {
      pipe.addLast("gate", new TlsGate(d.host(), hs, null, c -> { }, why -> server.logRefusedTunnel(ex, why)));
      pipe.addLast("raw", new Relay(up, counters[0]));
      up.pipeline().addLast("raw", new Relay(client, counters[1]));
      up.closeFuture().addListener(f -> Relay.closeOnFlush(client));
      up.config().setAutoRead(true);
    } else {
      HeadGuard innerGuard = server.newGuard();
      ClientHandler inner = new ClientHandler(server, innerGuard, d);
      inner.preconnected(up, a);
      pipe.addLast("gate", new TlsGate(d.host(), hs, () -> server.leaves().get(d.host()), c -> { },
          why -> server.logRefusedTunnel(ex, why)));
      pipe.addLast("count", new ByteCounter(counters[0], counters[1]));
      pipe.addLast("guard", innerGuard);
      pipe.addLast("http", server.newServerCodec());
      pipe.addLast("handler", inner);
    }
    // Written from the first handler so it passes none of the tunnel's own codecs.
    pipe.firstContext().writeAndFlush(
        Unpooled.copiedBuffer("HTTP/1.1 200 Connection established\r\n\r\n", StandardCharsets.US_ASCII));
    if (early != null) {
      pipe.fireChannelRead(early);
    }
    client.config().setAutoRead(true);
  }

  // ---------------------------------------------------------------- refusals

  private void deny(Verdict v, Destination d) {
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
      refuse(HttpResponseStatus.BAD_REQUEST, "malformed request: " + reason(cause));
    }
  }

  private void refuse(HttpResponseStatus status, String text) {
    if (exchange != null) {
      exchange.status = status.code();
      exchange.detail = text;
      server.logExchange(exchange, false);
      exchange = null;
    }
    respondAndClose(Responses.text(status, text, false));
  }

  private void respondAndClose(io.netty.handler.codec.http.FullHttpResponse r) {
    discard = true;
    releaseQueue();
    if (upstream != null) {
      upstream.channel.close();
    }
    if (responseStarted || !ctx.channel().isActive()) {
      r.release();
      ctx.close();
      return;
    }
    responseStarted = true;
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  private void abortRequest(String why) {
    // The head may already be upstream: close it so the request is never completed there.
    if (upstream != null) {
      upstream.channel.close();
      upstream = null;
    }
    if (!responseStarted) {
      refuse(HttpResponseStatus.BAD_REQUEST, why);
    } else {
      ctx.close();
    }
  }

  private void releaseQueue() {
    for (HttpObject o; (o = queue.poll()) != null; ) {
      ReferenceCountUtil.release(o);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseQueue();
    if (upstream != null) {
      upstream.channel.close();
    }
    if (pendingUpstream != null) {
      pendingUpstream.close();
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

  static String reason(Throwable t) {
    if (t == null) {
      return "unknown";
    }
    String m = t.getMessage();
    return printable(m == null ? t.getClass().getSimpleName() : m);
  }

  /** Visible ASCII and spaces only, at most 512 characters: peer-chosen text in logs, bodies and status lines. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 512; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  private record Upstream(Channel channel, Destination destination, String address) {}
}
