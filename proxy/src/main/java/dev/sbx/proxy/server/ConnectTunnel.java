package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.Credentials;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.InvalidTargetException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * A {@code CONNECT} on the proxy port: admits the authority, dials a checked address, answers
 * 200 and turns the client connection into a tunnel. Without a credential binding the tunnel is
 * opaque: {@link TlsGate} checks the ClientHello, then raw {@link Relay}s copy bytes. With one it
 * is intercepted: TLS ends here with the host's leaf and a new {@link ForwardHandler} reads the
 * requests inside, on the connection already dialled here.
 */
final class ConnectTunnel {
  private final ProxyServer server;
  private final HeadGuard guard;
  private final ForwardHandler handler;
  private final ChannelHandlerContext ctx;

  ConnectTunnel(ProxyServer server, HeadGuard guard, ForwardHandler handler, ChannelHandlerContext ctx) {
    this.server = server;
    this.guard = guard;
    this.handler = handler;
    this.ctx = ctx;
  }

  void open(HttpRequest req) {
    Destination d;
    try {
      d = Destinations.parseAuthority(req.uri());
    } catch (InvalidTargetException e) {
      handler.refuse(HttpResponseStatus.BAD_REQUEST, e.getMessage());
      return;
    }
    Exchange ex = new Exchange("CONNECT", d, "tunnel");
    handler.tunnelOpening(ex);
    server.gatekeeper().admit(d).whenComplete((a, err) -> ctx.executor().execute(() -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (err != null || a == null) {
        handler.upstreamFailed(HttpResponseStatus.BAD_GATEWAY, "proxy error");
        return;
      }
      ex.verdict = a.verdict();
      if (!a.allowed()) {
        if (a.status() == 403) {
          handler.upstreamDenied(a.verdict(), d);
        } else {
          handler.upstreamFailed(HttpResponseStatus.valueOf(a.status()), a.reason());
        }
        return;
      }
      server.connector().connect(ctx.channel().eventLoop(), a.targets(),
          (ch, target) -> {
            try {
              established(d, a, ch, ex);
            } catch (RuntimeException e) {
              server.logError(e);
              ch.close();
              ctx.channel().close();
            }
          },
          handler::upstreamFailed);
    }));
  }

  private void established(Destination d, Admission a, Channel up, Exchange ex) {
    Channel client = ctx.channel();
    if (!client.isActive()) {
      up.close();
      return;
    }
    // The binding decides the mode once, at CONNECT: a tunnel never changes between opaque and intercepted.
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
    pipe.remove(handler);
    long hs = server.config().limits().tlsHandshakeTimeout().toMillis();
    if (binding == null) {
      pipe.addLast("gate", new TlsGate(d.host(), hs, null, c -> { }, why -> server.logRefusedTunnel(ex, why)));
      pipe.addLast("raw", new Relay(up, counters[0]));
      up.pipeline().addLast("raw", new Relay(client, counters[1]));
      up.closeFuture().addListener(f -> Relay.closeOnFlush(client));
      up.config().setAutoRead(true);
    } else {
      HeadGuard innerGuard = server.newGuard();
      ForwardHandler inner = new ForwardHandler(server, innerGuard, d);
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
}
