package dev.sbx.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Scans each request head as raw bytes before Netty's decoder sees it, for what that decoder
 * accepts but a proxy must refuse (proxy-threats.md L18): obs-fold continuation lines, request
 * lines that are not exactly {@code METHOD SP target SP HTTP/1.x}, over-long request lines and
 * header blocks, too many fields, and heads that arrive too slowly (slowloris).
 *
 * <p>It scans only while armed: from connection start and again after each complete request.
 * After a {@code CONNECT} head it holds any further bytes (an eager ClientHello) for the tunnel
 * instead of letting the HTTP decoder parse them.
 */
final class HeadGuard extends ChannelInboundHandlerAdapter {
  private final int maxRequestLine;
  private final int maxHeaderBytes;
  private final int maxFields;
  private final Duration headerTimeout;

  private boolean armed = true;
  private boolean started;
  private final StringBuilder requestLine = new StringBuilder();
  private boolean inRequestLine = true;
  private boolean atLineStart = true;
  private boolean lastWasCr;
  private int lineLength;
  private int headerBytes;
  private int fields;
  private int headsScanned;
  private boolean connect;
  private boolean holding;
  private ByteBuf held;
  private boolean failed;
  private ScheduledFuture<?> timeout;

  HeadGuard(int maxRequestLine, int maxHeaderBytes, int maxFields, Duration headerTimeout) {
    this.maxRequestLine = maxRequestLine;
    this.maxHeaderBytes = maxHeaderBytes;
    this.maxFields = maxFields;
    this.headerTimeout = headerTimeout;
  }

  /** Number of request heads that passed the scan; more decoded requests means pipelining. */
  int headsScanned() {
    return headsScanned;
  }

  /** Called once a request is complete: the next bytes start a new head. */
  void rearm() {
    armed = true;
    started = false;
    inRequestLine = true;
    atLineStart = true;
    lastWasCr = false;
    requestLine.setLength(0);
    lineLength = 0;
    headerBytes = 0;
    fields = 0;
    connect = false;
  }

  /** Bytes that followed a CONNECT head (may be null); ownership passes to the caller. */
  ByteBuf takeHeld() {
    ByteBuf b = held;
    held = null;
    return b;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf) || failed) {
      if (failed) {
        io.netty.util.ReferenceCountUtil.release(msg);
      } else {
        ctx.fireChannelRead(msg);
      }
      return;
    }
    if (holding) {
      hold(ctx, buf);
      return;
    }
    if (!armed) {
      ctx.fireChannelRead(buf);
      return;
    }
    int end = scan(ctx, buf);
    if (end == -2) {
      buf.release();
      return;
    }
    if (end < 0) {
      ctx.fireChannelRead(buf); // head continues in the next read
      return;
    }
    // Head complete at index `end` (exclusive).
    ByteBuf head = buf.readRetainedSlice(end - buf.readerIndex());
    if (connect) {
      holding = true;
      ctx.fireChannelRead(head);
      if (buf.isReadable()) {
        hold(ctx, buf);
      } else {
        buf.release();
      }
      return;
    }
    ctx.fireChannelRead(head);
    if (buf.isReadable()) {
      ctx.fireChannelRead(buf);
    } else {
      buf.release();
    }
  }

  private void hold(ChannelHandlerContext ctx, ByteBuf buf) {
    if (held == null) {
      held = ctx.alloc().buffer(buf.readableBytes());
    }
    if (held.readableBytes() + buf.readableBytes() > 64 * 1024) {
      buf.release();
      ctx.close();
      return;
    }
    held.writeBytes(buf);
    buf.release();
  }

  /** Returns the index just past the head's final CRLF, -1 if not reached, -2 if refused. */
  private int scan(ChannelHandlerContext ctx, ByteBuf buf) {
    int i = buf.readerIndex();
    int w = buf.writerIndex();
    for (; i < w; i++) {
      byte b = buf.getByte(i);
      if (!started) {
        if (b == '\r' || b == '\n') {
          continue; // RFC 9112 §2.2: ignore empty lines before the request line
        }
        started = true;
        startTimer(ctx);
      }
      if (inRequestLine) {
        if (b == '\n') {
          String line = requestLine.toString();
          if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
          } else {
            return refuse(ctx, 400, "Bad Request", "bare LF after the request line");
          }
          if (line.equals("PRI * HTTP/2.0")) {
            // P51: prior-knowledge HTTP/2; never terminated here, so refuse it plainly
            return refuse(ctx, 400, "Bad Request", "HTTP/2 is not supported; use HTTP/1.1");
          }
          int status = checkRequestLine(line);
          if (status != 0) {
            return refuse(ctx, status, status == 505 ? "HTTP Version Not Supported" : "Bad Request",
                status == 505 ? "only HTTP/1.1 and HTTP/1.0 are supported" : "malformed request line");
          }
          connect = line.startsWith("CONNECT ");
          inRequestLine = false;
          atLineStart = true;
          lineLength = 0;
          continue;
        }
        if (requestLine.length() >= maxRequestLine) {
          return refuse(ctx, 414, "URI Too Long", "request line longer than " + maxRequestLine + " bytes");
        }
        requestLine.append((char) (b & 0xff));
        continue;
      }
      if (++headerBytes > maxHeaderBytes) {
        return refuse(ctx, 431, "Request Header Fields Too Large", "header block larger than " + maxHeaderBytes + " bytes");
      }
      if (atLineStart) {
        if (b == ' ' || b == '\t') {
          return refuse(ctx, 400, "Bad Request", "obsolete line folding in headers");
        }
        if (b == '\r' && lineLength == 0) {
          lastWasCr = true;
          atLineStart = false;
          continue;
        }
        if (b == '\n') {
          return refuse(ctx, 400, "Bad Request", "bare LF in headers");
        }
        if (++fields > maxFields) {
          return refuse(ctx, 431, "Request Header Fields Too Large", "more than " + maxFields + " header fields");
        }
        atLineStart = false;
      }
      if (b == '\n') {
        if (!lastWasCr) {
          return refuse(ctx, 400, "Bad Request", "bare LF in headers");
        }
        if (lineLength == 0) {
          // blank line: end of head
          armed = false;
          headsScanned++;
          stopTimer();
          return i + 1;
        }
        atLineStart = true;
        lineLength = 0;
        lastWasCr = false;
        continue;
      }
      if (lastWasCr) {
        return refuse(ctx, 400, "Bad Request", "bare CR in headers");
      }
      lastWasCr = b == '\r';
      if (!lastWasCr) {
        lineLength++;
      }
    }
    return -1;
  }

  /** 0 if acceptable, else the status to answer. */
  private static int checkRequestLine(String line) {
    int sp1 = line.indexOf(' ');
    int sp2 = line.lastIndexOf(' ');
    if (sp1 <= 0 || sp2 == sp1 || line.indexOf(' ', sp1 + 1) != sp2) {
      return 400;
    }
    for (int i = 0; i < sp1; i++) {
      char c = line.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && c != '-' && c != '_') {
        return 400;
      }
    }
    for (int i = sp1 + 1; i < sp2; i++) {
      char c = line.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return 400;
      }
    }
    String version = line.substring(sp2 + 1);
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      return version.startsWith("HTTP/") || version.startsWith("http/") ? 505 : 400;
    }
    return 0;
  }

  private void startTimer(ChannelHandlerContext ctx) {
    stopTimer();
    timeout = ctx.executor().schedule(() -> {
      if (armed && started && !failed) {
        refuse(ctx, 408, "Request Timeout", "request head not received within " + headerTimeout.toSeconds() + " s");
      }
    }, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void stopTimer() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  private int refuse(ChannelHandlerContext ctx, int status, String phrase, String body) {
    failed = true;
    stopTimer();
    // Written below the HTTP codec, so the bytes are composed here.
    String text = body + "\n";
    String head = "HTTP/1.1 " + status + " " + phrase + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: " + text.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n";
    ctx.writeAndFlush(Unpooled.copiedBuffer(head + text, StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
    return -2;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stopTimer();
    if (held != null) {
      held.release();
      held = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stopTimer();
    ctx.fireChannelInactive();
  }
}
