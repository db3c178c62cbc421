package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P9: a sandbox's proxy listens on a Unix socket inside the sandbox's private folder, not on TCP,
 * and each sandbox's socket applies that sandbox's scoped rules only. The client writes a plain
 * absolute-form request over the socket, as the guest's forwarder does.
 */
class UnixSocketListenerTest {
  @TempDir Path tmp;

  private static ProxyConfig onSocket(ProxyConfig c, String sandbox, Path socket) {
    return new ProxyConfig(sandbox, UnixDomainSocketAddress.of(socket), c.configDir(), c.logFile(), c.overrides(),
        c.upstreamCa(), c.resolver(), c.dialer(), c.limits());
  }

  private static String get(Path socket, String url) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      String host = URI.create(url).getHost();
      ch.write(ByteBuffer.wrap(("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII)));
      return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void p9EachSandboxSocketServesOnlyItsOwnScopeAndNoTcpListenerExists() throws Exception {
    Path a = tmp.resolve("a.sock");
    Path b = tmp.resolve("b.sock");
    try (Harness h = new Harness(tmp.resolve("h"))) {
      h.plain("pypi.org");
      h.rules("allow@sb-a pypi.org");
      ProxyServer proxyA = h.start(c -> onSocket(c, "sb-a", a));
      ProxyServer proxyB = h.start(c -> onSocket(c, "sb-b", b));
      assertNull(proxyA.address(), "no TCP address");
      assertNull(proxyB.address(), "no TCP address");

      String viaA = get(a, "http://pypi.org/x");
      assertTrue(viaA.startsWith("HTTP/1.1 200"), viaA);
      assertTrue(viaA.contains("\r\n\r\nREQUEST GET /x\n"), viaA);

      String viaB = get(b, "http://pypi.org/x");
      assertTrue(viaB.startsWith("HTTP/1.1 403"), viaB);
      assertTrue(viaB.endsWith("\r\n\r\nBlocked by network policy: pypi.org:80 (rule: default deny)\n"), viaB);

      proxyA.close();
      assertFalse(Files.exists(a), "the socket is removed on close");
      assertTrue(Files.exists(b), "the other sandbox's proxy keeps its socket");
    }
    assertFalse(Files.exists(b));
  }
}
