package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.SecretStore;
import dev.sbx.proxy.log.DecisionLog;
import dev.sbx.proxy.log.LogRecord;
import dev.sbx.proxy.net.ResolveOverrides;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Rule;
import dev.sbx.proxy.policy.RuleParser;
import dev.sbx.proxy.store.AtomicFiles;
import dev.sbx.proxy.tls.ProxyCa;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One proxy under test with its own config dir, origin CA and loopback origins; public names
 * reach the origins through {@code proxy.resolve}, exactly as a user would set it.
 */
final class Harness implements AutoCloseable {
  final Path config;
  final ProxyCa originCa;
  final Path originCaFile;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final StringBuilder resolve = new StringBuilder();
  ProxyServer proxy;

  Harness(Path tmp) throws IOException {
    this.config = tmp.resolve("config");
    this.originCaFile = tmp.resolve("origin-ca.pem");
    java.nio.file.Files.createDirectories(tmp);
    this.originCa = ProxyCa.create("test origin CA", originCaFile);
    Files.writeString(originCaFile, originCa.certificatePem());
  }

  /** A TLS origin presenting a leaf for {@code host}, reached as {@code host:443}. */
  Origin tls(String host) throws Exception {
    return tls(host, originCa.mintLeaf(host), 443);
  }

  Origin tls(String host, ProxyCa.Leaf leaf, int publicPort) throws Exception {
    SslContext ctx = SslContextBuilder.forServer(leaf.key(), leaf.certificate(), leaf.issuer()).build();
    Origin o = new Origin(ctx);
    closeables.add(o);
    resolve(host + ":" + publicPort + "=127.0.0.1:" + o.port());
    return o;
  }

  /** A plain HTTP origin reached as {@code host:80}. */
  Origin plain(String host) throws Exception {
    Origin o = new Origin(null);
    closeables.add(o);
    resolve(host + ":80=127.0.0.1:" + o.port());
    return o;
  }

  Harness resolve(String entry) {
    if (resolve.length() > 0) {
      resolve.append(',');
    }
    resolve.append(entry);
    return this;
  }

  /** Lines like {@code "allow example.com,foo.org"}, {@code "deny@sb1 pypi.org"}. */
  Harness rules(String... lines) throws Exception {
    PolicyStore store = new PolicyStore(config);
    for (String line : lines) {
      String[] p = line.split(" ", 2);
      String sandbox = null;
      String word = p[0];
      if (word.contains("@")) {
        sandbox = word.substring(word.indexOf('@') + 1);
        word = word.substring(0, word.indexOf('@'));
      }
      store.add(sandbox, word.equals("deny") ? Rule.Decision.DENY : Rule.Decision.ALLOW, RuleParser.parseList(p[1]));
    }
    return this;
  }

  Harness secret(String service, String value) throws IOException {
    new SecretStore(config).set(null, service, value);
    return this;
  }

  Harness services(String json) throws IOException {
    AtomicFiles.write(config.resolve("services.json"), json.getBytes(StandardCharsets.UTF_8), false);
    return this;
  }

  ProxyServer start() throws IOException {
    return start(c -> c);
  }

  ProxyServer start(UnaryOperator<ProxyConfig> tweak) throws IOException {
    ProxyConfig c = ProxyConfig.of(null, new InetSocketAddress("127.0.0.1", 0), config,
        config.resolve("proxy.log"), ResolveOverrides.parse(resolve.toString()), originCaFile);
    proxy = ProxyServer.start(tweak.apply(c));
    closeables.add(proxy);
    return proxy;
  }

  String proxyUrl() {
    return "http://127.0.0.1:" + proxy.address().getPort();
  }

  String ca() {
    return proxy.caCertificate().toString();
  }

  InetSocketAddress address() {
    return proxy.address();
  }

  /** Sends exact bytes on a fresh connection and returns everything the proxy answers. */
  String raw(String request) throws IOException {
    try (RawClient c = new RawClient(address())) {
      return c.send(request).readAll();
    }
  }

  List<LogRecord> log() throws IOException {
    return DecisionLog.read(config.resolve("proxy.log"), 3);
  }

  /** Waits (up to 10 s) for a log record matching {@code p}; the proxy writes it after the reply. */
  LogRecord awaitLog(java.util.function.Predicate<LogRecord> p) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      for (LogRecord r : log()) {
        if (p.test(r)) {
          return r;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no matching decision-log record in: " + logText());
      }
      Thread.sleep(20);
    }
  }

  /** The decision log and everything else the proxy wrote, as text. */
  String logText() throws IOException {
    Path p = config.resolve("proxy.log");
    return Files.exists(p) ? Files.readString(p) : "";
  }

  /** Closes {@code c} with the harness (origins, sinks and the like a test starts itself). */
  <T extends AutoCloseable> T own(T c) {
    closeables.add(c);
    return c;
  }

  /**
   * Stops everything, then checks that no secret reached the decision log: every test's secrets
   * are named {@code REAL-…} (P87), so this runs after every proxy test.
   */
  @Override
  public void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    if (logText().contains("REAL-")) {
      throw new AssertionError("a secret reached the decision log " + config.resolve("proxy.log"));
    }
  }
}
