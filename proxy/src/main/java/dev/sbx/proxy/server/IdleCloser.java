package dev.sbx.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** Closes a connection that has neither read nor written for the idle timeout. */
final class IdleCloser extends IdleStateHandler {
  IdleCloser(long idleMillis) {
    super(0, 0, idleMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
    ctx.close();
  }
}
