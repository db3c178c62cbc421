package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.tls.ProxyCa;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large bodies through the real proxy with real curl (P92, P96, P97's slow reader): they complete
 * byte-exact and the proxy never holds more than a bounded amount of them. The size is 1 GiB
 * ({@code -Dsbx.test.bigBytes=N} to change it).
 */
class LargeBodyTest {
  private static final long BIG = Long.getLong("sbx.test.bigBytes", 1L << 30);
  /** What the whole JVM's Netty allocator may hold while a body of BIG bytes streams through. */
  private static final long MEMORY_BOUND = 64L << 20;

  @TempDir Path tmp;
  Harness h;
  BulkOrigin plain;
  BulkOrigin tls;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    plain = h.own(new BulkOrigin(null));
    ProxyCa.Leaf leaf = h.originCa.mintLeaf("api.anthropic.com");
    tls = h.own(new BulkOrigin(SslContextBuilder.forServer(leaf.key(), leaf.certificate(), leaf.issuer()).build()));
    h.resolve("files.example:80=127.0.0.1:" + plain.port());
    h.resolve("api.anthropic.com:443=127.0.0.1:" + tls.port());
    h.rules("allow files.example,api.anthropic.com");
    h.secret("anthropic", "REAL-ANT");
    h.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }


  /** The peak of Netty's allocator usage (heap + direct) while {@code work} runs. */
  private static long peakNettyMemory(ThrowingRunnable work) throws Exception {
    ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(m.usedHeapMemory() + m.usedDirectMemory(), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "memory-sampler");
    sampler.setDaemon(true);
    sampler.start();
    try {
      work.run();
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    return peak.get();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private record Streamed(int exit, long bytes, String sha256, String err) {}

  /** Runs curl, optionally feeding {@code upload} bytes of BulkBytes on stdin; hashes stdout as it streams. */
  private static Streamed curl(long upload, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-q", "-sS", "--fail", "--max-time", "300"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE);
    for (String k : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
      pb.environment().remove(k);
    }
    Process p = pb.start();
    Thread feeder = new Thread(() -> {
      try (OutputStream in = p.getOutputStream()) {
        if (upload > 0) {
          BulkBytes.write(in, upload);
        }
      } catch (IOException e) {
        // curl exited early; its exit code tells why
      }
    }, "curl-stdin");
    feeder.start();
    StringBuilder err = new StringBuilder();
    Thread errReader = new Thread(() -> {
      try {
        err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        // ignore
      }
    });
    errReader.start();
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    long n = 0;
    try (InputStream out = p.getInputStream()) {
      byte[] b = new byte[1 << 16];
      for (int k; (k = out.read(b)) > 0; ) {
        d.update(b, 0, k);
        n += k;
      }
    }
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "curl did not finish");
    feeder.join();
    errReader.join();
    return new Streamed(p.exitValue(), n, HexFormat.of().formatHex(d.digest()), err.toString());
  }

  private List<String> via(String... args) {
    List<String> a = new ArrayList<>(List.of("-x", h.proxyUrl(), "--cacert", h.ca()));
    a.addAll(List.of(args));
    return a;
  }

  @Test
  void p92BigDownloadOnPlainAndInterceptedPathsIsExactAndBounded() throws Exception {
    String expected = BulkBytes.sha256(BIG);
    for (String url : List.of("http://files.example/download?bytes=" + BIG,
        "https://api.anthropic.com/download?bytes=" + BIG)) {
      Streamed[] r = new Streamed[1];
      long peak = peakNettyMemory(() -> r[0] = curl(0, via("-H", "x-api-key: proxy-managed", url)));
      assertEquals(0, r[0].exit(), url + ": " + r[0].err());
      assertEquals(BIG, r[0].bytes(), url);
      assertEquals(expected, r[0].sha256(), url);
      assertTrue(peak < MEMORY_BOUND, url + ": Netty held " + (peak >> 20) + " MiB at peak");
    }
  }

  @Test
  void p92BigChunkedUploadOnPlainAndInterceptedPathsIsExactAndBounded() throws Exception {
    String expected = BIG + " " + BulkBytes.sha256(BIG);
    for (String url : List.of("http://files.example/upload", "https://api.anthropic.com/upload")) {
      Streamed[] r = new Streamed[1];
      // -T - streams stdin with Transfer-Encoding: chunked
      long peak = peakNettyMemory(() -> r[0] = curl(BIG, via("-T", "-", "-o", tmp.resolve("answer").toString(), url)));
      assertEquals(0, r[0].exit(), url + ": " + r[0].err());
      assertEquals(expected, Files.readString(tmp.resolve("answer")), url);
      assertTrue(peak < MEMORY_BOUND, url + ": Netty held " + (peak >> 20) + " MiB at peak");
    }
  }

  @Test
  void p97ClientThatStopsReadingPausesTheUpstream() throws Exception {
    // Plain path: a raw client asks for 1 GiB and reads nothing.
    try (RawClient c = new RawClient(h.address())) {
      c.send("GET http://files.example/download?bytes=" + BIG + " HTTP/1.1\r\nHost: files.example\r\n\r\n");
      assertStalls(plain);
    }
    // Intercepted path: the same inside TLS.
    Socket s = TunnelClient.connect(h.address(), "api.anthropic.com:443", new StringBuilder());
    try (SSLSocket t = TunnelClient.tls(s, Path.of(h.ca()), "api.anthropic.com", List.of("http/1.1"))) {
      t.getOutputStream().write(("GET /download?bytes=" + BIG + " HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      t.getOutputStream().flush();
      assertStalls(tls);
    }
  }

  /** Waits until the origin stops sending (the proxy paused reading), then checks how far it got. */
  private static void assertStalls(BulkOrigin origin) throws Exception {
    ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    long last = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Thread.sleep(500);
      long now = origin.sent.get();
      if (now == last && now > 0) {
        break;
      }
      last = now;
    }
    long sent = origin.sent.get();
    assertTrue(sent > 0, "the download never started");
    assertTrue(sent < BIG / 4, "the origin sent " + (sent >> 20) + " MiB to a client that reads nothing");
    long held = m.usedHeapMemory() + m.usedDirectMemory();
    assertTrue(held < MEMORY_BOUND, "Netty holds " + (held >> 20) + " MiB while the client is stalled");
  }

  @Test
  void p96GzipBombPassesThroughUntouched() throws Exception {
    // 256 MiB of zeros gzip to about 256 KiB: the origin must receive exactly the compressed bytes.
    Path bomb = tmp.resolve("bomb.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 256; i++) {
        out.write(zeros);
      }
    }
    byte[] compressed = Files.readAllBytes(bomb);
    assertTrue(compressed.length < 1 << 20, "bomb is " + compressed.length + " bytes");
    String expected = compressed.length + " "
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compressed));
    for (String url : List.of("http://files.example/upload", "https://api.anthropic.com/upload")) {
      Path answer = tmp.resolve("answer-" + url.hashCode());
      Streamed r = curl(0, via("-H", "Content-Encoding: gzip", "--data-binary", "@" + bomb,
          "-o", answer.toString(), url));
      assertEquals(0, r.exit(), url + ": " + r.err());
      assertEquals(expected, Files.readString(answer), url + ": the body was changed on the way");
    }
  }
}
