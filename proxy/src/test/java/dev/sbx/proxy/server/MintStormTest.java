package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P93 through the real proxy: unique names under a wildcard bound to a user service each get one
 * leaf for exactly that name, the leaf cache stays within its bound, opaque tunnels keep flowing
 * during the storm and never mint. (10,000 names are exercised in {@code LeafCacheTest}; the
 * latency figure is in {@code bench/proxy}.)
 */
class MintStormTest {
  private static final int NAMES = 200;
  private static final int CACHE = 50;
  private static final int PLAIN = 40;

  @TempDir Path tmp;
  Harness h;
  CountingOrigin sink;
  Origin real;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    sink = h.own(new CountingOrigin());
    for (int i = 0; i < NAMES; i++) {
      h.resolve("n" + i + ".ghe.example:443=127.0.0.1:" + sink.port());
    }
    for (int i = 0; i < PLAIN; i++) {
      h.resolve("p" + i + ".plain.example:443=127.0.0.1:" + sink.port());
    }
    real = h.tls("api.ghe.example");
    h.services("[{\"name\":\"ghe\",\"hosts\":[\"*.ghe.example\"],\"header\":\"Authorization\",\"schemes\":[\"Bearer\"]}]");
    h.rules("allow *.ghe.example,*.plain.example");
    h.secret("ghe", "REAL-GHE");
    h.start(c -> c.withLimits(ProxyConfig.Limits.defaults().withLeafCacheSize(CACHE)));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }


  private X509Certificate leafFor(String name) throws Exception {
    Socket s = TunnelClient.connect(h.address(), name + ":443", new StringBuilder());
    try (SSLSocket tls = TunnelClient.tls(s, Path.of(h.ca()), name, List.of("http/1.1"))) {
      return (X509Certificate) tls.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void p93UniqueNamesUnderABoundWildcardMintOnceEachIntoABoundedCache() throws Exception {
    Curl.Result r = Curl.run("-x", h.proxyUrl(), "--cacert", h.ca(), "-H", "Authorization: Bearer proxy-managed",
        "https://api.ghe.example/user");
    assertEquals("200 200 0", r.codes(), r.err());
    assertEquals("Bearer REAL-GHE", real.last().header("authorization"));
    assertEquals(1, h.proxy.leafMints());

    // Opaque tunnels run alongside the storm and must keep working.
    AtomicReference<Throwable> plainFailure = new AtomicReference<>();
    Thread plain = new Thread(() -> {
      try {
        for (int i = 0; i < PLAIN; i++) {
          String name = "p" + i + ".plain.example";
          byte[] hello = ClientHellos.withSni(name, false);
          long before = sink.bytes.get();
          try (Socket s = TunnelClient.connect(h.address(), name + ":443", new StringBuilder())) {
            s.getOutputStream().write(hello);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (sink.bytes.get() < before + hello.length && System.nanoTime() < deadline) {
              Thread.sleep(5);
            }
            assertTrue(sink.bytes.get() >= before + hello.length, name + " was not relayed");
          }
        }
      } catch (Throwable t) {
        plainFailure.set(t);
      }
    }, "plain-tunnels");
    plain.start();

    for (int i = 0; i < NAMES; i++) {
      String name = "n" + i + ".ghe.example";
      X509Certificate leaf = leafFor(name);
      assertEquals("[[2, " + name + "]]", leaf.getSubjectAlternativeNames().toString(), "leaf names exactly the host");
      assertTrue(h.proxy.leaves().size() <= CACHE, "leaf cache grew to " + h.proxy.leaves().size());
    }
    plain.join(60_000);
    assertFalse(plain.isAlive());
    if (plainFailure.get() != null) {
      throw new AssertionError("opaque tunnels failed during the storm", plainFailure.get());
    }
    assertEquals(1 + NAMES, h.proxy.leafMints(), "one mint per name; opaque tunnels never mint");
    assertEquals(CACHE, h.proxy.leaves().size());

    leafFor("n" + (NAMES - 1) + ".ghe.example"); // recent: cached
    assertEquals(1 + NAMES, h.proxy.leafMints());
    leafFor("n0.ghe.example"); // evicted long ago: minted again
    assertEquals(2 + NAMES, h.proxy.leafMints());
  }
}
