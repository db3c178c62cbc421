package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Destination;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * A client's connection to one upstream destination, never reused for another (L19): admitted by
 * the {@link Gatekeeper} and dialled by the {@link Connector}, or handed over already dialled by
 * CONNECT for an intercepted tunnel, where it also speaks TLS to the origin. What the client sends
 * while it opens waits here. Outcomes go back to the {@link ForwardHandler} that owns it.
 */
final class UpstreamLink {
  private enum State {
    /** Admission, dial and (inside a tunnel) the TLS handshake are under way. */
    OPENING,
    /** Requests go straight to the channel. */
    OPEN,
    /** Given up: nothing more is sent, a late dial is closed at once. */
    CLOSED
  }

  private final ProxyServer server;
  private final ForwardHandler client;
  private final ChannelHandlerContext ctx; // the client's
  private final Destination destination;
  private final boolean intercepted;
  private final ArrayDeque<HttpObject> queue = new ArrayDeque<>();
  private State state = State.OPENING;
  private Channel channel;
  private String address;

  UpstreamLink(ProxyServer server, ForwardHandler client, ChannelHandlerContext ctx, Destination destination,
      boolean intercepted) {
    this.server = server;
    this.client = client;
    this.ctx = ctx;
    this.destination = destination;
    this.intercepted = intercepted;
  }

  /** Opens the connection: on {@code dialled} if still usable (admitted as {@code admitted}), else admits and dials. */
  void open(Channel dialled, Admission admitted) {
    if (dialled != null && dialled.isActive()) {
      attach(dialled, admitted);
      return;
    }
    server.gatekeeper().admit(destination).whenComplete((a, err) -> ctx.executor().execute(() -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (err != null || a == null) {
        client.upstreamFailed(HttpResponseStatus.BAD_GATEWAY, "proxy error");
        return;
      }
      if (!a.allowed()) {
        if (a.status() == 403) {
          client.upstreamDenied(a.verdict(), destination);
        } else {
          client.upstreamFailed(HttpResponseStatus.valueOf(a.status()), a.reason());
        }
        return;
      }
      server.connector().connect(ctx.channel().eventLoop(), a.targets(), (ch, target) -> {
        if (!ctx.channel().isActive()) {
          ch.close();
          return;
        }
        attach(ch, a);
      }, client::upstreamFailed);
    }));
  }

  private void attach(Channel ch, Admission a) {
    if (state == State.CLOSED) {
      ch.close(); // the client gave up on this link while it was being dialled
      return;
    }
    channel = ch;
    address = ProxyServer.addressText(ch);
    client.upstreamAttached(address);
    server.tracker().track(ctx.channel(), ch, destination, a, intercepted ? "intercept" : "http");
    ch.closeFuture().addListener(f -> ctx.executor().execute(() -> client.upstreamClosed(this)));
    if (intercepted) {
      var ssl = server.upstreamTls().newHandler(ch.alloc(), destination.host(), destination.port());
      ch.pipeline().addLast("tls", ssl);
      ch.pipeline().addLast("http", ProxyServer.newClientCodec());
      ch.pipeline().addLast("relay", new ResponseRelay(client, ctx));
      ssl.handshakeFuture().addListener(f -> {
        if (!f.isSuccess()) {
          client.upstreamFailed(HttpResponseStatus.BAD_GATEWAY,
              "upstream TLS for " + destination.host() + " failed: " + PeerText.reason(f.cause()));
          ch.close();
        } else {
          ready();
        }
      });
      ch.config().setAutoRead(true);
    } else {
      ch.pipeline().addLast("http", ProxyServer.newClientCodec());
      ch.pipeline().addLast("relay", new ResponseRelay(client, ctx));
      ch.config().setAutoRead(true);
      ready();
    }
  }

  private void ready() {
    if (state != State.OPENING) {
      return;
    }
    state = State.OPEN;
    for (HttpObject o; (o = queue.poll()) != null; ) {
      channel.write(o);
    }
    channel.flush();
    client.updateRead();
  }

  /** Sends now if open, queues while opening; after the link was given up the message is dropped. */
  void send(HttpObject o) {
    switch (state) {
      case OPEN -> channel.writeAndFlush(o);
      case OPENING -> queue.add(o);
      case CLOSED -> ReferenceCountUtil.release(o);
    }
  }

  /** True if a request for {@code d} can go on this open connection. */
  boolean carries(Destination d) {
    return state == State.OPEN && channel.isActive() && destination.equals(d);
  }

  boolean opening() {
    return state == State.OPENING;
  }

  /** Stops opening (the client has been answered): drops what was queued, leaves the channel. */
  void giveUp() {
    state = State.CLOSED;
    releaseQueue();
  }

  /** Gives up and closes the connection. */
  void close() {
    giveUp();
    if (channel != null) {
      channel.close();
    }
  }

  /** The connection, or null while it is still being admitted or dialled. */
  Channel channel() {
    return channel;
  }

  String address() {
    return address;
  }

  boolean writable() {
    return channel == null || channel.isWritable();
  }

  void autoRead(boolean on) {
    if (channel != null) {
      channel.config().setAutoRead(on);
    }
  }

  private void releaseQueue() {
    for (HttpObject o; (o = queue.poll()) != null; ) {
      ReferenceCountUtil.release(o);
    }
  }
}
