package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Preset;
import dev.sbx.proxy.store.AtomicFiles;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live policy changes (checklist I): polled against a 5 s deadline, never slept. */
class ReloadTest {
  @TempDir Path tmp;
  Harness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new Harness(tmp);
    h.tls("registry.npmjs.org");
    h.tls("pypi.org");
    h.plain("example.org");
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  private static void within5s(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " did not happen within 5 s");
      }
      Thread.sleep(50);
    }
  }

  private String status(String url) {
    try {
      return Curl.run("-x", h.proxyUrl(), "--cacert", h.originCaFile.toString(), url).codes();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void p99RemovedHostClosesItsTunnelsOthersUntouchedAddedHostAllowed() throws Exception {
    h.rules("allow registry.npmjs.org,pypi.org");
    h.start();
    Socket npm = TunnelClient.connect(h.address(), "registry.npmjs.org:443", new StringBuilder());
    SSLSocket npmTls = TunnelClient.tls(npm, h.originCaFile, "registry.npmjs.org", null);
    Socket py = TunnelClient.connect(h.address(), "pypi.org:443", new StringBuilder());
    SSLSocket pyTls = TunnelClient.tls(py, h.originCaFile, "pypi.org", null);
    within5s("two tracked tunnels", () -> h.proxy.openUpstreams() == 2);

    PolicyStore store = new PolicyStore(h.config);
    store.remove(store.load().rules().stream().filter(r -> r.resource().equals("registry.npmjs.org")).toList());
    within5s("npm denied", () -> status("https://registry.npmjs.org/").equals("000 403 56"));
    within5s("npm tunnel closed", () -> h.proxy.openUpstreams() == 1);
    // The pypi tunnel still works.
    pyTls.getOutputStream().write("GET /still HTTP/1.1\r\nHost: pypi.org\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    assertTrue(new String(pyTls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).contains("REQUEST GET /still"));
    npmTls.close();
    pyTls.close();
    assertTrue(h.logText().contains("closed after policy change"));

    assertEquals("403 000 0", status("http://example.org/"));
    h.rules("allow example.org");
    within5s("example.org allowed", () -> status("http://example.org/").equals("200 000 0"));
  }

  @Test
  void p100InvalidPolicyKeepsLastGood() throws Exception {
    h.rules("allow pypi.org");
    h.start();
    assertEquals("200 200 0", status("https://pypi.org/"));
    AtomicFiles.write(h.config.resolve("policy.json"), "{\"rules\":[{\"id\":\"x\",\"decision\":\"allow\",\"resource\":\"a*.b\"}]}"
        .getBytes(StandardCharsets.UTF_8), false);
    h.proxy.reloadNow();
    assertEquals("200 200 0", status("https://pypi.org/"));
    assertEquals("000 403 56", status("https://registry.npmjs.org/"));
  }

  @Test
  void p102PresetSwitchToDenyAllLeavesNothing() throws Exception {
    PolicyStore store = new PolicyStore(h.config);
    store.init(Preset.BALANCED);
    h.start();
    assertEquals("200 200 0", status("https://pypi.org/"));
    Socket py = TunnelClient.connect(h.address(), "pypi.org:443", new StringBuilder());
    SSLSocket pyTls = TunnelClient.tls(py, h.originCaFile, "pypi.org", null);
    store.reset();
    store.init(Preset.DENY_ALL);
    within5s("pypi denied", () -> status("https://pypi.org/").equals("000 403 56"));
    within5s("tunnel closed", () -> h.proxy.openUpstreams() == 0);
    pyTls.close();
  }

  @Test
  void p7SandboxScopedDenyOnlyInThatSandbox() throws Exception {
    h.rules("allow pypi.org", "deny@sb1 pypi.org");
    h.start(c -> new ProxyConfig("sb1", c.listen(), c.configDir(), c.logFile(), c.overrides(), c.upstreamCa(),
        c.resolver(), c.dialer(), c.limits()));
    assertEquals("000 403 56", status("https://pypi.org/"));
    assertTrue(h.awaitLog(l -> "deny".equals(l.decision())).sandbox().equals("sb1"));
    Harness other = new Harness(tmp.resolve("other"));
    try {
      other.tls("pypi.org");
      // Same config dir, other sandbox: the sb1 deny does not apply.
      ProxyServer p = ProxyServer.start(new ProxyConfig("sb2", new java.net.InetSocketAddress("127.0.0.1", 0), h.config,
          tmp.resolve("sb2.log"), dev.sbx.proxy.net.ResolveOverrides.parse("pypi.org:443=127.0.0.1:1"), h.originCaFile,
          dev.sbx.proxy.net.NameResolver.system(), dev.sbx.proxy.net.Dialer.direct(), ProxyConfig.Limits.defaults()));
      try {
        Curl.Result r = Curl.run("-x", "http://127.0.0.1:" + p.address().getPort(), "https://pypi.org/");
        assertEquals("000 502", r.codes().substring(0, 7), r.toString()); // allowed by policy; the origin is absent
      } finally {
        p.close();
      }
    } finally {
      other.close();
    }
  }
}
