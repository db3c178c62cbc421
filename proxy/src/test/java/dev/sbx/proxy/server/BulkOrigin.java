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
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An origin for large bodies that stores nothing: {@code GET /download?bytes=N} streams N bytes of
 * {@link BulkBytes} as chunked content at the pace the connection drains; any request with a body
 * is consumed and answered with {@code "<count> <sha-256>"}.
 */
final class BulkOrigin implements AutoCloseable {
  final AtomicLong sent = new AtomicLong();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  BulkOrigin(SslContext tls) throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(new HttpServerCodec(), new ChunkedWriteHandler(), new Handler());
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
    private MessageDigest digest;
    private long count;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
      if (msg instanceof HttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        if (q.path().equals("/download")) {
          long n = Long.parseLong(q.parameters().get("bytes").get(0));
          DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          HttpUtil.setTransferEncodingChunked(head, true);
          ctx.write(head);
          ctx.writeAndFlush(new HttpChunkedInput(new Generated(n)));
          return;
        }
        digest = MessageDigest.getInstance("SHA-256");
        count = 0;
      }
      if (msg instanceof HttpContent c && digest != null) {
        ByteBuf b = c.content();
        count += b.readableBytes();
        digest.update(b.nioBuffer());
        if (msg instanceof LastHttpContent) {
          String body = count + " " + HexFormat.of().formatHex(digest.digest());
          digest = null;
          var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
              Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
          HttpUtil.setContentLength(r, r.content().readableBytes());
          ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
      }
    }
  }

  /** N bytes of {@link BulkBytes}, 64 KiB per chunk. */
  private final class Generated implements ChunkedInput<ByteBuf> {
    private final long total;
    private long offset;

    Generated(long total) {
      this.total = total;
    }

    @Override
    public boolean isEndOfInput() {
      return offset >= total;
    }

    @Override
    public void close() {}

    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
      return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator alloc) {
      if (isEndOfInput()) {
        return null;
      }
      int n = (int) Math.min(BulkBytes.BLOCK.length, total - offset);
      ByteBuf b = alloc.buffer(n);
      b.writeBytes(BulkBytes.BLOCK, 0, n);
      offset += n;
      sent.addAndGet(n);
      return b;
    }

    @Override
    public long length() {
      return total;
    }

    @Override
    public long progress() {
      return offset;
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
