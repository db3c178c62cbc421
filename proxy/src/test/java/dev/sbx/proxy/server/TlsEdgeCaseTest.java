package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.log.LogRecord;
import dev.sbx.proxy.tls.ProxyCa;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ClientHello and ALPN edge cases on opaque and intercepted tunnels (P43, P49, P51, P98). */
class TlsEdgeCaseTest {
  private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

  @TempDir Path tmp;
  Harness h;
  CountingOrigin sink;
  Origin github;
  Origin h2Opaque;
  Origin h2Intercepted;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    sink = h.own(new CountingOrigin());
    h.resolve("sink.example:443=127.0.0.1:" + sink.port());
    github = h.tls("api.github.com");
    h2Opaque = preferringH2("h2.example");
    h2Intercepted = preferringH2("api.openai.com");
    h.rules("allow sink.example,api.github.com,h2.example,api.openai.com");
    h.secret("github", "REAL-GH").secret("openai", "REAL-OAI");
    h.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }


  /** A TLS origin whose ALPN list puts h2 first, as most public HTTPS servers do. */
  private Origin preferringH2(String host) throws Exception {
    ProxyCa.Leaf leaf = h.originCa.mintLeaf(host);
    Origin o = new Origin(SslContextBuilder.forServer(leaf.key(), leaf.certificate(), leaf.issuer())
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
        .build());
    h.resolve(host + ":443=127.0.0.1:" + o.port());
    return o;
  }

  /** CONNECT and return the socket right after a 200. */
  private Socket tunnel(String authority) throws IOException {
    StringBuilder answer = new StringBuilder();
    Socket s = TunnelClient.connect(h.address(), authority, answer);
    assertTrue(answer.toString().startsWith("HTTP/1.1 200 "), answer.toString());
    return s;
  }


  // ------------------------------------------------------------------ P43

  @Test
  void p43EchWithOuterSniForAnotherHostIsClosedOnBothTunnelKinds() throws Exception {
    for (String target : List.of("sink.example", "api.github.com")) {
      try (Socket s = tunnel(target + ":443")) {
        s.getOutputStream().write(ClientHellos.withSni("cover.example", true));
        assertTrue(RawClient.closesWithin10s(s), target);
      }
    }
    LogRecord rec = h.awaitLog(l -> "tls-check".equals(l.reason()) && l.detail() != null
        && l.detail().contains("cover.example") && "api.github.com".equals(l.host()));
    assertEquals("deny", rec.decision());
    h.awaitLog(l -> "tls-check".equals(l.reason()) && "sink.example".equals(l.host()));
    assertEquals(0, sink.bytes.get(), "no byte of a refused hello is relayed");
    assertTrue(github.seen.isEmpty());
    assertTrue(github.alpn.isEmpty(), "no TLS session upstream");
  }

  @Test
  void p43EchWithMatchingOuterSniIsRelayedLikeAnyHello() throws Exception {
    byte[] hello = ClientHellos.withSni("sink.example", true);
    try (Socket s = tunnel("sink.example:443")) {
      s.getOutputStream().write(hello);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (sink.bytes.get() < hello.length && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }
    assertEquals(hello.length, sink.bytes.get(), "the opaque tunnel relays the ClientHello unchanged");
  }

  // ------------------------------------------------------------------ P49

  @Test
  void p49Http11ClientAgainstH2PreferringOriginStaysHttp11OnBothLegs() throws Exception {
    Curl.Result opaque = Curl.run("-x", h.proxyUrl(), "--cacert", h.originCaFile.toString(), "--http1.1",
        "https://h2.example/opaque");
    assertEquals("200 200 0", opaque.codes(), opaque.err());
    assertEquals(List.of("http/1.1"), h2Opaque.alpn);

    Curl.Result icpt = Curl.run("-x", h.proxyUrl(), "--cacert", h.ca(), "--http1.1",
        "-H", "Authorization: Bearer proxy-managed", "https://api.openai.com/v1/models");
    assertEquals("200 200 0", icpt.codes(), icpt.err());
    assertEquals(List.of("http/1.1"), h2Intercepted.alpn, "the proxy's upstream leg offers http/1.1 only");
    assertEquals("Bearer REAL-OAI", h2Intercepted.last().header("authorization"));

    // A client offering both gets http/1.1 from the proxy's leaf, and the upstream leg is http/1.1 too.
    try (SSLSocket tls = TunnelClient.tls(tunnel("api.openai.com:443"), Path.of(h.ca()), "api.openai.com",
        List.of("h2", "http/1.1"))) {
      assertEquals("http/1.1", tls.getApplicationProtocol());
      tls.getOutputStream().write("GET /both HTTP/1.1\r\nHost: api.openai.com\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(resp.startsWith("HTTP/1.1 200 "), resp);
    }
    assertEquals(List.of("http/1.1", "http/1.1"), h2Intercepted.alpn);
  }

  // ------------------------------------------------------------------ P51

  @Test
  void p51PrefaceOnTheProxyPortIs400AndClose() throws Exception {
    try (RawClient c = new RawClient(h.address())) {
      c.send(PREFACE);
      String resp = c.readAll();
      assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
      assertTrue(resp.contains("HTTP/2 is not supported"), resp);
      assertTrue(RawClient.closesWithin10s(c.socket()));
    }
  }

  @Test
  void p51PrefaceInsideAnInterceptedTunnelIs400AndClose() throws Exception {
    try (SSLSocket tls = TunnelClient.tls(tunnel("api.github.com:443"), Path.of(h.ca()), "api.github.com",
        List.of("http/1.1"))) {
      tls.getOutputStream().write(PREFACE.getBytes(StandardCharsets.US_ASCII));
      // readAllBytes returns only at EOF: the proxy closed the tunnel after its answer
      String resp = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
      assertTrue(resp.contains("HTTP/2 is not supported"), resp);
    }
    assertTrue(github.seen.isEmpty());
  }

  // ------------------------------------------------------------------ P98

  @Test
  void p98OversizedClientHelloIsClosedWithoutBufferingIt() throws Exception {
    for (String target : List.of("sink.example", "api.github.com")) {
      try (Socket s = tunnel(target + ":443")) {
        // A hello claiming 16 MiB, streamed record by record: a proxy that buffered up to the
        // claimed length would keep reading all of it; ours must close after the first record.
        int claimed = 0xffffff;
        List<Throwable> writeFailure = new ArrayList<>();
        Thread writer = new Thread(() -> {
          try {
            OutputStream out = s.getOutputStream();
            out.write(ClientHellos.oversizedFirstRecord(claimed));
            for (long sent = 0; sent < claimed; sent += 16384) {
              out.write(ClientHellos.continuationRecord(16384));
            }
          } catch (IOException e) {
            writeFailure.add(e);
          }
        }, "p98-writer");
        writer.start();
        assertTrue(RawClient.closesWithin10s(s), target + " still open");
        writer.join(30_000);
        assertFalse(writer.isAlive());
        assertEquals(1, writeFailure.size(), target + ": the proxy read the whole 16 MiB hello");
      }
    }
    LogRecord rec = h.awaitLog(l -> "tls-check".equals(l.reason()) && "sink.example".equals(l.host()));
    assertTrue(rec.detail().contains("ClientHello"), rec.toString());
    h.awaitLog(l -> "tls-check".equals(l.reason()) && "api.github.com".equals(l.host()));
    assertEquals(0, sink.bytes.get());
    assertTrue(github.alpn.isEmpty());
  }

  // ------------------------------------------------------------------ P55 (handshake, not a hello)

  @Test
  void p55HandshakeRecordThatIsNotAClientHelloIsNeverRelayed() throws Exception {
    byte[] hello = ClientHellos.withSni("sink.example", false);
    hello[5] = 2; // the same bytes labelled ServerHello: Netty alone would call this "no SNI"
    try (Socket s = tunnel("sink.example:443")) {
      s.getOutputStream().write(hello);
      assertTrue(RawClient.closesWithin10s(s));
    }
    LogRecord rec = h.awaitLog(l -> "tls-check".equals(l.reason()) && "sink.example".equals(l.host()));
    assertTrue(rec.detail().contains("not a ClientHello"), rec.toString());
    assertEquals(0, sink.bytes.get());
  }

  // ------------------------------------------------------------------ P42 (two records)

  @Test
  void p42ClientHelloSplitOverTwoRecordsIsStillChecked() throws Exception {
    for (int first : new int[] {2, 40}) { // inside the handshake header, and inside the body
      byte[] good = ClientHellos.splitIntoTwoRecords(ClientHellos.withSni("sink.example", false), first);
      long before = sink.bytes.get();
      try (Socket s = tunnel("sink.example:443")) {
        s.getOutputStream().write(good);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (sink.bytes.get() < before + good.length && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      }
      assertEquals(before + good.length, sink.bytes.get(), "split hello with the right SNI is relayed");
      byte[] bad = ClientHellos.splitIntoTwoRecords(ClientHellos.withSni("evil.example", false), first);
      try (Socket s = tunnel("sink.example:443")) {
        s.getOutputStream().write(bad);
        assertTrue(RawClient.closesWithin10s(s));
      }
      assertEquals(before + good.length, sink.bytes.get(), "split hello with another SNI was relayed");
    }
    h.awaitLog(l -> "tls-check".equals(l.reason()) && l.detail() != null && l.detail().contains("evil.example"));
  }
}
