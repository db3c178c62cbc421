package dev.sbx.proxy.server;

import dev.sbx.proxy.log.DecisionLog;
import dev.sbx.proxy.log.LogRecord;
import dev.sbx.proxy.net.IpLiterals;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;
import dev.sbx.proxy.tls.LeafCache;
import dev.sbx.proxy.tls.ProxyCa;
import dev.sbx.proxy.tls.UpstreamTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One egress proxy: the listener, the live policy and credentials, the interception CA, the
 * decision log, and the reload timer. A sandbox's VMM and {@code sbx proxy} run the same class.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxyConfig config;
  private final PolicyState state;
  private final Gatekeeper gatekeeper;
  private final Connector connector;
  private final ConnectionTracker tracker = new ConnectionTracker();
  private final DecisionLog log;
  private final ProxyCa ca;
  private final LeafCache leaves;
  private final SslContext upstreamTls;
  private final ExecutorService dns;
  private final ExecutorService minter;
  private final ScheduledExecutorService reloader;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final AtomicInteger connections = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile InetSocketAddress bound;
  private Channel serverChannel;

  private ProxyServer(ProxyConfig config) throws IOException {
    this.config = config;
    this.state = new PolicyState(config.sandbox(), config.configDir());
    state.reloadIfChanged();
    this.dns = Executors.newFixedThreadPool(4, daemon("sbx-proxy-dns"));
    this.minter = Executors.newFixedThreadPool(2, daemon("sbx-proxy-mint"));
    this.reloader = Executors.newSingleThreadScheduledExecutor(daemon("sbx-proxy-reload"));
    this.gatekeeper = new Gatekeeper(state::get, config.overrides(), config.resolver(), dns,
        config.limits().dnsTimeout(), () -> bound);
    this.connector = new Connector(config.dialer(), (int) config.limits().connectTimeout().toMillis());
    this.log = new DecisionLog(config.logFile(), config.limits().logMaxBytes(), config.limits().logKeep());
    this.ca = ProxyCa.loadOrCreate(config.caDir(), "sbx proxy CA");
    this.leaves = new LeafCache(ca, minter, config.limits().leafCacheSize());
    this.upstreamTls = UpstreamTls.context(config.upstreamCa());
    this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
  }

  /** Starts listening; the policy and secrets are read now and re-read when they change. */
  public static ProxyServer start(ProxyConfig config) throws IOException {
    ProxyServer s = new ProxyServer(config);
    try {
      s.bind();
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void bind() throws IOException {
    boolean unix = config.listen() instanceof UnixDomainSocketAddress;
    Class<? extends ServerChannel> type = unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(type)
        .childOption(ChannelOption.AUTO_READ, true);
    if (!unix) {
      b.childOption(ChannelOption.TCP_NODELAY, true);
    }
    b.childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (connections.incrementAndGet() > config.limits().maxConnections()) {
              connections.decrementAndGet();
              ch.close();
              return;
            }
            ch.closeFuture().addListener(f -> connections.decrementAndGet());
            HeadGuard guard = newGuard();
            ch.pipeline().addLast("idle", new IdleCloser(config.limits().idleTimeout().toMillis()));
            ch.pipeline().addLast("guard", guard);
            ch.pipeline().addLast("http", newServerCodec());
            ch.pipeline().addLast("handler", new ForwardHandler(ProxyServer.this, guard, null));
          }
        });
    try {
      serverChannel = b.bind(config.listen()).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding " + config.listen(), e);
    } catch (Exception e) {
      throw new IOException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
    }
    // A Unix socket has no TCP port a guest request could loop back to.
    bound = serverChannel.localAddress() instanceof InetSocketAddress isa ? isa : null;
    long every = config.limits().reloadInterval().toMillis();
    reloader.scheduleWithFixedDelay(this::reloadNow, every, every, TimeUnit.MILLISECONDS);
  }

  /** Re-reads policy, secrets and services if they changed, and closes what is no longer allowed. */
  public void reloadNow() {
    try {
      if (state.reloadIfChanged()) {
        tracker.recheck(state.get(), (d, v) -> {
          Exchange ex = new Exchange("CLOSE", d, "tunnel");
          ex.verdict = v;
          ex.detail = "closed after policy change";
          logExchange(ex, false);
        });
      }
    } catch (RuntimeException e) {
      LOG.error("policy reload failed; keeping the last good policy", e);
    }
  }

  /** The TCP address listened on; null when the proxy listens on a Unix socket. */
  public InetSocketAddress address() {
    return bound;
  }

  /** The CA certificate a client must trust for intercepted hosts. */
  public Path caCertificate() {
    return ca.certificateFile();
  }

  /** Leaves minted so far (tests: one mint per name, none for plain tunnels). */
  public int leafMints() {
    return leaves.mints();
  }

  /** Open upstream connections. */
  public int openUpstreams() {
    return tracker.size();
  }

  ProxyConfig config() {
    return config;
  }

  PolicyState state() {
    return state;
  }

  Gatekeeper gatekeeper() {
    return gatekeeper;
  }

  Connector connector() {
    return connector;
  }

  ConnectionTracker tracker() {
    return tracker;
  }

  LeafCache leaves() {
    return leaves;
  }

  SslContext upstreamTls() {
    return upstreamTls;
  }

  HeadGuard newGuard() {
    ProxyConfig.Limits l = config.limits();
    return new HeadGuard(l.maxRequestLine(), l.maxHeaderBytes(), l.maxHeaderFields(), l.headerTimeout());
  }

  HttpServerCodec newServerCodec() {
    return serverCodec(config.limits());
  }

  static HttpServerCodec serverCodec(ProxyConfig.Limits l) {
    // HeadGuard enforces the limits with precise statuses; the decoder's are a backstop.
    return new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(l.maxRequestLine() + 16)
        .setMaxHeaderSize(l.maxHeaderBytes() + 16)
        .setMaxChunkSize(64 * 1024)
        .setStrictLineParsing(true));
  }

  /**
   * The decoder for upstream responses: as strict about line endings as the client side (P74: a
   * bare-LF chunk line from upstream is a 502, never re-framed), with bounded heads.
   */
  static HttpClientCodec newClientCodec() {
    return new HttpClientCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(64 * 1024)
        .setMaxChunkSize(64 * 1024)
        .setStrictLineParsing(true), false, false);
  }

  static String addressText(Channel ch) {
    return ch.remoteAddress() instanceof InetSocketAddress isa ? IpLiterals.format(isa.getAddress()) : null;
  }

  void logError(Throwable t) {
    LOG.error("request handling failed", t);
  }

  void logExchange(Exchange ex, boolean completed) {
    Verdict v = ex.verdict;
    boolean allowed = v != null && v.allowed();
    String reason = v == null ? "invalid-request" : v.reason().text();
    String mode = ex.mode;
    write(ex, allowed ? "allow" : "deny", reason, mode, ex.detail);
  }

  void logTunnel(Exchange ex) {
    boolean allowed = ex.refused == null;
    write(ex, allowed ? "allow" : "deny", allowed ? ex.verdict.reason().text() : "tls-check", ex.mode, ex.refused);
  }

  void logRefusedTunnel(Exchange ex, String why) {
    ex.refused = why;
  }

  private void write(Exchange ex, String decision, String reason, String mode, String detail) {
    Verdict v = ex.verdict;
    Destination d = ex.destination;
    log.append(new LogRecord(
        Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(),
        config.sandbox(),
        ex.method,
        d == null ? null : d.host(),
        d == null ? null : d.port(),
        ex.address,
        decision,
        v != null && v.rule() != null ? v.rule().id() : null,
        v != null && v.rule() != null ? v.rule().resource() : null,
        reason,
        mode,
        ex.service,
        ex.status,
        detail != null ? detail : (v != null && v.detail() != null ? v.detail() : null),
        ex.bytesUp,
        ex.bytesDown,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ex.startNanos)));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    if (config.listen() instanceof UnixDomainSocketAddress uds) {
      try {
        java.nio.file.Files.deleteIfExists(uds.getPath());
      } catch (IOException e) {
        LOG.warn("removing {}: {}", uds.getPath(), e.getMessage());
      }
    }
    reloader.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    dns.shutdownNow();
    minter.shutdownNow();
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("closing decision log: {}", e.getMessage());
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
