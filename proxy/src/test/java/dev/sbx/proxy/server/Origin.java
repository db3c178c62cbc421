package dev.sbx.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local origin on 127.0.0.1 (plain or TLS): {@code /sse} streams five events 200 ms apart,
 * {@code /redirect} answers 302 to https://evil.example/, {@code /echo-key} echoes the
 * x-api-key header back as a response header, anything else echoes the request line and
 * headers. Every request is recorded.
 */
final class Origin implements AutoCloseable {

  /** What the origin received. */
  record Seen(String method, String uri, List<Map.Entry<String, String>> headers, int bodyLength) {
    List<String> all(String name) {
      List<String> out = new ArrayList<>();
      for (Map.Entry<String, String> e : headers) {
        if (e.getKey().equalsIgnoreCase(name)) {
          out.add(e.getValue());
        }
      }
      return out;
    }

    String header(String name) {
      List<String> a = all(name);
      return a.isEmpty() ? null : a.get(0);
    }
  }

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  /** The ALPN protocol each TLS connection negotiated ("" when none was). */
  final List<String> alpn = new CopyOnWriteArrayList<>();
  final java.util.concurrent.BlockingQueue<String> sseFeed = new java.util.concurrent.LinkedBlockingQueue<>();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  Origin(SslContext tls) throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            if (tls != null) {
              io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc());
              ch.pipeline().addLast(ssl);
              ssl.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                  alpn.add(ssl.applicationProtocol() == null ? "" : ssl.applicationProtocol());
                }
              });
            }
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Recorder(),
                new io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler("/ws"), new WsEcho(),
                new Handler());
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  Seen last() {
    return seen.isEmpty() ? null : seen.get(seen.size() - 1);
  }

  /** Records every request, WebSocket handshakes included. */
  private final class Recorder extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest req) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        req.headers().forEach(e -> headers.add(Map.entry(e.getKey(), e.getValue())));
        seen.add(new Seen(req.method().name(), req.uri(), headers, req.content().readableBytes()));
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** Echoes WebSocket text frames with a prefix. */
  private static final class WsEcho
      extends SimpleChannelInboundHandler<io.netty.handler.codec.http.websocketx.TextWebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, io.netty.handler.codec.http.websocketx.TextWebSocketFrame f) {
      ctx.writeAndFlush(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame("echo: " + f.text()));
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      req.headers().forEach(e -> headers.add(Map.entry(e.getKey(), e.getValue())));
      if (req.uri().startsWith("/sse")) {
        sse(ctx);
        return;
      }
      FullHttpResponse r;
      if (req.uri().startsWith("/redirect")) {
        r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
        r.headers().set(HttpHeaderNames.LOCATION, "https://evil.example/");
      } else {
        StringBuilder b = new StringBuilder("REQUEST " + req.method() + " " + req.uri() + "\n");
        headers.forEach(e -> b.append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
        b.append("BODY ").append(req.content().readableBytes()).append('\n');
        r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
            Unpooled.copiedBuffer(b, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        if (req.uri().startsWith("/echo-key")) {
          r.headers().set("x-echo", "key=" + req.headers().get("x-api-key"));
        }
      }
      HttpUtil.setContentLength(r, r.content().readableBytes());
      boolean keep = HttpUtil.isKeepAlive(req);
      var f = ctx.writeAndFlush(r);
      if (!keep) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    // Sends each event only when the test feeds it, so "arrived before the next was sent" is
    // checked by order, not by timing.
    private void sse(ChannelHandlerContext ctx) {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.writeAndFlush(head);
      Thread t = new Thread(() -> {
        try {
          for (String ev; !(ev = sseFeed.take()).equals("END"); ) {
            ByteBuf b = Unpooled.copiedBuffer("data: " + ev + "\n\n", StandardCharsets.UTF_8);
            ctx.writeAndFlush(new DefaultHttpContent(b));
          }
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "sse-feed");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public synchronized void close() {
    if (group.isShuttingDown()) {
      return;
    }
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
