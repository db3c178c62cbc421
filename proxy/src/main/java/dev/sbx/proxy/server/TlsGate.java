package dev.sbx.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The first bytes of a tunnel (L9): they must be a TLS handshake record whose ClientHello SNI is
 * absent or names the CONNECT host (case and one trailing dot aside). On a match it hands over
 * to a plain relay (opaque tunnel) or to an {@code SslHandler} with the host's leaf
 * (interception); otherwise the connection is closed and the mismatch reported.
 */
final class TlsGate extends AbstractSniHandler<SslContext> {
  /** Largest ClientHello buffered (P98); real ones, post-quantum key shares included, are a few KiB. */
  static final int MAX_CLIENT_HELLO = 64 * 1024;

  private final String host;
  private final Supplier<CompletableFuture<SslContext>> leaf; // null: opaque tunnel
  private final Consumer<String> onRefused;
  private final Consumer<ChannelHandlerContext> onAccepted;
  private boolean recordChecked;

  TlsGate(String host, long handshakeTimeoutMillis, Supplier<CompletableFuture<SslContext>> leaf,
      Consumer<ChannelHandlerContext> onAccepted, Consumer<String> onRefused) {
    super(MAX_CLIENT_HELLO, handshakeTimeoutMillis);
    this.host = host;
    this.leaf = leaf;
    this.onAccepted = onAccepted;
    this.onRefused = onRefused;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) throws Exception {
    if (!recordChecked) {
      if (in.readableBytes() < 3) {
        return;
      }
      int i = in.readerIndex();
      // Netty reports "no SNI" and "not TLS" alike, so the record header is checked here.
      if (in.getUnsignedByte(i) != 0x16 || in.getUnsignedByte(i + 1) != 0x03 || in.getUnsignedByte(i + 2) > 0x04) {
        in.skipBytes(in.readableBytes());
        refuse(ctx, "bytes after CONNECT are not a TLS handshake");
        return;
      }
      if (in.readableBytes() < 6) {
        return;
      }
      // A hello may be fragmented over records; its length is read here only if the first holds it.
      boolean lengthInRecord = in.getUnsignedShort(i + 3) >= 4;
      if (lengthInRecord && in.readableBytes() < 9) {
        return;
      }
      // Netty treats any other handshake message as "no SNI"; only a ClientHello may open a tunnel.
      if (in.getUnsignedByte(i + 5) != 0x01) {
        in.skipBytes(in.readableBytes());
        refuse(ctx, "first TLS handshake message after CONNECT is not a ClientHello");
        return;
      }
      // Checked here too (Netty has its own check) so the refusal is reported before the close.
      if (lengthInRecord && in.getUnsignedMedium(i + 6) > MAX_CLIENT_HELLO) {
        in.skipBytes(in.readableBytes());
        refuse(ctx, "TLS ClientHello larger than " + MAX_CLIENT_HELLO + " bytes");
        return;
      }
      recordChecked = true;
    }
    super.decode(ctx, in, out);
  }

  @Override
  protected Future<SslContext> lookup(ChannelHandlerContext ctx, String sni) {
    Promise<SslContext> p = ctx.executor().newPromise();
    if (sni != null) {
      String s = sni.toLowerCase(Locale.ROOT);
      if (s.endsWith(".")) {
        s = s.substring(0, s.length() - 1);
      }
      if (!s.equals(host)) {
        return p.setFailure(new SniMismatch("TLS server name '" + PeerText.printable(sni) + "' does not match CONNECT host " + host));
      }
    }
    if (leaf == null) {
      return p.setSuccess(null);
    }
    leaf.get().whenComplete((ctxt, err) -> {
      if (err != null) {
        p.tryFailure(err);
      } else {
        p.trySuccess(ctxt);
      }
    });
    return p;
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String sni, Future<SslContext> future) {
    if (!future.isSuccess()) {
      Throwable c = future.cause();
      refuse(ctx, c instanceof SniMismatch ? c.getMessage() : "TLS ClientHello refused: " + c.getMessage());
      return;
    }
    if (leaf == null) {
      ctx.pipeline().remove(this); // buffered ClientHello flows on to the relay
      onAccepted.accept(ctx);
    } else {
      ctx.pipeline().replace(this, "tls", future.getNow().newHandler(ctx.alloc()));
      onAccepted.accept(ctx);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    refuse(ctx, c instanceof TooLongFrameException
        ? "TLS ClientHello larger than " + MAX_CLIENT_HELLO + " bytes"
        : "malformed TLS ClientHello: " + PeerText.reason(c));
  }

  private void refuse(ChannelHandlerContext ctx, String why) {
    onRefused.accept(why);
    ctx.close();
  }

  static final class SniMismatch extends Exception {
    private static final long serialVersionUID = 1L;

    SniMismatch(String m) {
      super(m, null, false, false);
    }
  }
}
