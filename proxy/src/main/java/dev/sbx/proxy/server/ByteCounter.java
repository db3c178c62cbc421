package dev.sbx.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.AtomicLong;

/** Counts plaintext bytes read from and written to the client inside an intercepted tunnel. */
final class ByteCounter extends ChannelDuplexHandler {
  private final AtomicLong up;
  private final AtomicLong down;

  ByteCounter(AtomicLong up, AtomicLong down) {
    this.up = up;
    this.down = down;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      up.addAndGet(b.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      down.addAndGet(b.readableBytes());
    }
    ctx.write(msg, promise);
  }
}
