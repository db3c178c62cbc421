// sbx egress proxy benchmark (run by bench/proxy/run.sh; single-file Java program).
// Prints figures only; nothing here asserts on time.

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import dev.sbx.proxy.cred.SecretStore;
import dev.sbx.proxy.net.ResolveOverrides;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Rule;
import dev.sbx.proxy.policy.RuleParser;
import dev.sbx.proxy.server.ProxyConfig;
import dev.sbx.proxy.server.ProxyServer;
import dev.sbx.proxy.tls.ProxyCa;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public final class ProxyBench {
  static final String TUNNEL_HOST = "bench.example";
  static final String INTERCEPT_HOST = "api.anthropic.com";
  static final int STORM_NAMES = 2000;

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    long bigBytes = Long.parseLong(args[1]);
    int conns = Integer.parseInt(args[2]);
    int requests = Integer.parseInt(args[3]);

    // Origins: one HTTPS server per bench host, each with its own leaf from a bench CA.
    ProxyCa originCa = ProxyCa.create("bench origin CA", work.resolve("origin-ca.pem"));
    Files.writeString(work.resolve("origin-ca.pem"), originCa.certificatePem());
    Origin tunnelOrigin = origin(originCa.mintLeaf(TUNNEL_HOST));
    Origin interceptOrigin = origin(originCa.mintLeaf(INTERCEPT_HOST));
    int tPort = tunnelOrigin.port();
    int iPort = interceptOrigin.port();

    Path config = work.resolve("config");
    new PolicyStore(config).add(null, Rule.Decision.ALLOW,
        RuleParser.parseList(TUNNEL_HOST + "," + INTERCEPT_HOST + ":443,127.0.0.1"));
    new SecretStore(config).set(null, "anthropic", "BENCH-SECRET");
    // P93: a user service bound to a wildcard, so every unique name under it needs its own leaf.
    Files.writeString(config.resolve("services.json"),
        "[{\"name\":\"storm\",\"hosts\":[\"*.storm.example\"],\"header\":\"Authorization\",\"schemes\":[\"Bearer\"]}]");
    new SecretStore(config).set(null, "storm", "BENCH-SECRET");
    new PolicyStore(config).add(null, Rule.Decision.ALLOW, RuleParser.parseList("*.storm.example"));
    StringBuilder resolve = new StringBuilder(TUNNEL_HOST + ":443=127.0.0.1:" + tPort + ","
        + INTERCEPT_HOST + ":443=127.0.0.1:" + iPort);
    for (int i = 0; i < STORM_NAMES; i++) {
      resolve.append(",n").append(i).append(".storm.example:443=127.0.0.1:").append(iPort);
    }
    ProxyServer proxy = ProxyServer.start(ProxyConfig.of(null, new InetSocketAddress("127.0.0.1", 0), config,
        work.resolve("proxy.log"), ResolveOverrides.parse(resolve.toString()), work.resolve("origin-ca.pem")));
    int pPort = proxy.address().getPort();
    System.out.println("origin ports " + tPort + "/" + iPort + ", sbx proxy on 127.0.0.1:" + pPort);

    int squid = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    int mitm = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    Path originCaPem = work.resolve("origin-ca.pem");
    String ours = "127.0.0.1:" + pPort;

    System.out.printf("%n== CONNECT tunnel: %d MiB download (curl, one stream) ==%n", bigBytes >> 20);
    // Warm-up (JIT) for every path before measuring.
    curlSpeed(originCaPem, List.of("--connect-to", TUNNEL_HOST + ":443:127.0.0.1:" + tPort), bigBytes / 4);
    curlSpeed(originCaPem, List.of("-x", "http://" + ours), bigBytes / 4);
    double direct = curlSpeed(originCaPem, List.of("--connect-to", TUNNEL_HOST + ":443:127.0.0.1:" + tPort), bigBytes);
    double viaOurs = curlSpeed(originCaPem, List.of("-x", "http://" + ours), bigBytes);
    row("direct", direct, "MB/s", direct);
    row("sbx proxy", viaOurs, "MB/s", direct);
    if (squid > 0) {
      double viaSquid = curlSpeed(originCaPem, List.of("-x", "http://127.0.0.1:" + squid, "--connect-to",
          TUNNEL_HOST + ":443:127.0.0.1:" + tPort), bigBytes);
      row("squid", viaSquid, "MB/s", direct);
    }

    System.out.printf("%n== CONNECT tunnel: connections per second (%d sequential: connect, TLS, GET, close) ==%n", conns);
    connectionsPerSecond(null, null, TUNNEL_HOST, tPort, originCaPem, Math.max(20, conns / 5));
    connectionsPerSecond(ours, TUNNEL_HOST + ":443", TUNNEL_HOST, tPort, originCaPem, Math.max(20, conns / 5));
    double cDirect = connectionsPerSecond(null, null, TUNNEL_HOST, tPort, originCaPem, conns);
    double cOurs = connectionsPerSecond(ours, TUNNEL_HOST + ":443", TUNNEL_HOST, tPort, originCaPem, conns);
    row("direct", cDirect, "conn/s", cDirect);
    row("sbx proxy", cOurs, "conn/s", cDirect);
    if (squid > 0) {
      row("squid", connectionsPerSecond("127.0.0.1:" + squid, "127.0.0.1:" + tPort, TUNNEL_HOST, tPort, originCaPem,
          conns), "conn/s", cDirect);
    }

    System.out.printf("%n== Intercepted (TLS terminated, key injected): %d sequential requests on one keep-alive connection ==%n",
        requests);
    long[] d = latencies(trust(originCaPem), null, null, INTERCEPT_HOST, iPort, requests);
    long[] o = latencies(trust(proxy.caCertificate()), ours, INTERCEPT_HOST + ":443", INTERCEPT_HOST, iPort, requests);
    latencyRow("direct", d, d);
    latencyRow("sbx proxy", o, d);
    if (mitm > 0) {
      Path mitmCa = work.resolve("mitm/mitmproxy-ca-cert.pem");
      long[] m = latencies(trust(mitmCa), "127.0.0.1:" + mitm, "127.0.0.1:" + iPort, INTERCEPT_HOST, iPort, requests);
      latencyRow("mitmproxy", m, d);
    }
    System.out.printf("%n== Leaf-mint storm (P93): opaque tunnel connection latency, idle vs during %d unique intercepted names ==%n",
        STORM_NAMES);
    connectionLatencies(ours, originCaPem, 100); // warm-up
    long[] idle = connectionLatencies(ours, originCaPem, 300);
    SSLContext proxyTrust = trust(proxy.caCertificate());
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    int mintsBefore = proxy.leafMints();
    long stormStart = System.nanoTime();
    List<Thread> storm = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th = new Thread(() -> {
        for (int i; (i = next.getAndIncrement()) < STORM_NAMES; ) {
          String name = "n" + i + ".storm.example";
          try (SSLSocket s = open(proxyTrust, ours, name + ":443", name, iPort)) {
            // handshake done: the leaf for this name was minted
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }, "storm-" + t);
      th.start();
      storm.add(th);
    }
    long[] during = connectionLatencies(ours, originCaPem, 300);
    boolean stormStillRunning = next.get() < STORM_NAMES;
    for (Thread th : storm) {
      th.join();
    }
    double stormSeconds = (System.nanoTime() - stormStart) / 1e9;
    int minted = proxy.leafMints() - mintsBefore;
    System.out.printf("  idle          p50 %6.2f ms  p99 %6.2f ms%n", idle[idle.length / 2] / 1e6,
        idle[(int) (idle.length * 0.99)] / 1e6);
    System.out.printf("  during storm  p50 %6.2f ms  p99 %6.2f ms%s%n", during[during.length / 2] / 1e6,
        during[(int) (during.length * 0.99)] / 1e6, stormStillRunning ? "" : "  (storm ended before the samples did)");
    System.out.printf("  storm: %d leaves minted in %.1f s (%.0f/s, with the storm's own TLS handshakes)%n", minted,
        stormSeconds, minted / stormSeconds);

    proxy.close();
    tunnelOrigin.stop();
    interceptOrigin.stop();
    System.exit(0);
  }

  static void row(String name, double value, String unit, double base) {
    System.out.printf("  %-10s %10.1f %-6s  ratio to direct %.2f%n", name, value, unit, value / base);
  }

  static void latencyRow(String name, long[] l, long[] base) {
    double total = 0;
    for (long x : l) {
      total += x;
    }
    double rps = l.length / (total / 1e9);
    double p50 = l[l.length / 2] / 1e6;
    double p99 = l[(int) (l.length * 0.99)] / 1e6;
    double bp50 = base[base.length / 2] / 1e6;
    double bp99 = base[(int) (base.length * 0.99)] / 1e6;
    System.out.printf("  %-10s %8.0f req/s  p50 %6.3f ms  p99 %6.3f ms  added p50 %6.3f ms  added p99 %6.3f ms%n",
        name, rps, p50, p99, p50 - bp50, p99 - bp99);
  }

  /** Bytes per second (in MB/s) of one curl download of {@code bytes} from the tunnel origin. */
  static double curlSpeed(Path ca, List<String> extra, long bytes) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-q", "-sS", "-o", "/dev/null", "-w", "%{speed_download}",
        "--cacert", ca.toString()));
    cmd.addAll(extra);
    cmd.add("https://" + TUNNEL_HOST + "/big?n=" + bytes);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0) {
      throw new IOException("curl failed: " + out);
    }
    return Double.parseDouble(out) / 1e6;
  }

  /** Connections per second: TCP (+CONNECT) + TLS handshake + one small GET, sequentially. */
  static double connectionsPerSecond(String proxyHostPort, String connectTarget, String sni, int originPort,
      Path ca, int n) throws Exception {
    SSLContext ctx = trust(ca);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      try (SSLSocket s = open(ctx, proxyHostPort, connectTarget, sni, originPort)) {
        request(s, sni, "/small", false);
      }
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /** Sorted per-connection latencies (ns) of sequential opaque-tunnel connections with one GET each. */
  static long[] connectionLatencies(String proxyHostPort, Path ca, int n) throws Exception {
    SSLContext ctx = trust(ca);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      try (SSLSocket s = open(ctx, proxyHostPort, TUNNEL_HOST + ":443", TUNNEL_HOST, 0)) {
        request(s, TUNNEL_HOST, "/small", false);
      }
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
  }

  static SSLSocket open(SSLContext ctx, String proxyHostPort, String connectTarget, String sni, int originPort)
      throws IOException {
    Socket raw = new Socket();
    raw.setTcpNoDelay(true);
    if (proxyHostPort == null) {
      raw.connect(new InetSocketAddress("127.0.0.1", originPort));
    } else {
      String[] hp = proxyHostPort.split(":");
      raw.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
      raw.getOutputStream().write(("CONNECT " + connectTarget + " HTTP/1.1\r\nHost: " + connectTarget + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = raw.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("proxy closed during CONNECT: " + head);
        }
        head.append((char) b);
      }
      if (!head.toString().startsWith("HTTP/1.1 200") && !head.toString().startsWith("HTTP/1.0 200")) {
        throw new IOException("CONNECT refused: " + head);
      }
    }
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, sni, 443, true);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    p.setApplicationProtocols(new String[] {"http/1.1"});
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** Sends one GET and reads the whole response (Content-Length framed). */
  static void request(SSLSocket s, String host, String path, boolean keepAlive) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nx-api-key: proxy-managed\r\n"
        + (keepAlive ? "" : "Connection: close\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in response head");
      }
      head.append((char) b);
    }
    int len = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        len = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(len);
  }

  /** Per-request latencies (ns) over one keep-alive TLS connection. */
  static long[] latencies(SSLContext ctx, String proxyHostPort, String connectTarget, String sni, int originPort, int n)
      throws Exception {
    long[] out = new long[n];
    try (SSLSocket s = open(ctx, proxyHostPort, connectTarget, sni, originPort)) {
      for (int i = 0; i < 2000; i++) {
        request(s, sni, "/small", true); // warm-up
      }
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        request(s, sni, "/small", true);
        out[i] = System.nanoTime() - t;
      }
    }
    Arrays.sort(out);
    return out;
  }

  static SSLContext trust(Path... pems) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (Path pem : pems) {
      try (InputStream in = Files.newInputStream(pem)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("c" + i++, c);
        }
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** A Netty HTTPS origin: {@code /big?n=BYTES} streams zeros (chunked), {@code /small} answers "ok". */
  static Origin origin(ProxyCa.Leaf leaf) throws Exception {
    SslContext ctx = SslContextBuilder.forServer(leaf.key(), leaf.certificate(), leaf.issuer()).build();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(ctx.newHandler(c.alloc()), new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                new SimpleChannelInboundHandler<FullHttpRequest>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext x, FullHttpRequest req) {
                    if (req.uri().startsWith("/big")) {
                      long n = Long.parseLong(req.uri().substring(req.uri().indexOf("n=") + 2));
                      DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                      HttpUtil.setContentLength(r, n);
                      x.write(r);
                      pump(x, n);
                      return;
                    }
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
                    HttpUtil.setContentLength(r, 2);
                    x.writeAndFlush(r);
                  }
                });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    return new Origin(ch, group);
  }

  record Origin(Channel channel, EventLoopGroup group) {
    int port() {
      return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    void stop() {
      channel.close();
      group.shutdownGracefully();
    }
  }

  private static final io.netty.buffer.ByteBuf ZERO =
      Unpooled.unreleasableBuffer(Unpooled.directBuffer(256 * 1024).writeZero(256 * 1024));

  /** Writes {@code left} zero bytes, pausing whenever the channel is not writable. */
  static void pump(ChannelHandlerContext x, long left) {
    while (left > 0) {
      int k = (int) Math.min(ZERO.readableBytes(), left);
      left -= k;
      var f = x.write(new io.netty.handler.codec.http.DefaultHttpContent(ZERO.retainedSlice(0, k)));
      if (!x.channel().isWritable() && left > 0) {
        long rest = left;
        x.flush();
        f.addListener(done -> {
          if (done.isSuccess()) {
            pump(x, rest);
          }
        });
        return;
      }
    }
    x.writeAndFlush(io.netty.handler.codec.http.LastHttpContent.EMPTY_LAST_CONTENT);
  }

  static InputStream zeros(long n) {
    return new InputStream() {
      long left = n;

      @Override
      public int read() {
        if (left <= 0) {
          return -1;
        }
        left--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int k = (int) Math.min(len, left);
        Arrays.fill(b, off, off + k, (byte) 0);
        left -= k;
        return k;
      }
    };
  }
}
