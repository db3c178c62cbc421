package dev.sbx.proxy.server;

import dev.sbx.proxy.net.Dialer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Opens upstream TCP connections to checked addresses only (L3): a {@link Bootstrap} with
 * {@link NoopAddressResolverGroup}, so nothing is resolved a second time. Tries the checked
 * addresses in order; auto-read stays off until the caller has set up the pipeline.
 */
final class Connector {
  private final Dialer dialer;
  private final int connectTimeoutMillis;

  Connector(Dialer dialer, int connectTimeoutMillis) {
    this.dialer = dialer;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  void connect(EventLoop loop, List<InetSocketAddress> targets, BiConsumer<Channel, InetSocketAddress> ok,
      BiConsumer<HttpResponseStatus, String> fail) {
    attempt(loop, targets, 0, ok, fail, null);
  }

  private void attempt(EventLoop loop, List<InetSocketAddress> targets, int i,
      BiConsumer<Channel, InetSocketAddress> ok, BiConsumer<HttpResponseStatus, String> fail, Throwable last) {
    if (i >= targets.size()) {
      if (last instanceof ConnectTimeoutException) {
        fail.accept(HttpResponseStatus.GATEWAY_TIMEOUT, "connecting upstream timed out");
      } else {
        fail.accept(HttpResponseStatus.BAD_GATEWAY, "connecting upstream failed: "
            + PeerText.reason(last));
      }
      return;
    }
    InetSocketAddress checked = targets.get(i);
    InetSocketAddress dial = dialer.route(checked);
    ChannelFuture f = new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .resolver(NoopAddressResolverGroup.INSTANCE)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(new ChannelInboundHandlerAdapter())
        .connect(dial);
    f.addListener(r -> {
      if (r.isSuccess()) {
        ok.accept(f.channel(), checked);
      } else {
        attempt(loop, targets, i + 1, ok, fail, r.cause());
      }
    });
  }
}
