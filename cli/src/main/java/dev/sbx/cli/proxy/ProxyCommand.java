package dev.sbx.cli.proxy;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.settings.Settings;
import dev.sbx.proxy.net.IpLiterals;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.InvalidTargetException;
import dev.sbx.proxy.server.ProxyConfig;
import dev.sbx.proxy.server.ProxyServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sbx proxy}: the sandbox egress proxy, standalone on a loopback port, with the same
 * policy, secrets and decision log a sandbox would get.
 */
@Command(name = "proxy", description = "Run the egress proxy on a loopback port (for host-side use and tests).")
public final class ProxyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--listen", paramLabel = "127.0.0.1:PORT", defaultValue = "127.0.0.1:3128",
      description = "Loopback address and port to listen on (default ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--sandbox", paramLabel = "NAME", description = "Apply this sandbox's scoped rules and secrets.")
  String sandbox;

  @Override
  public Integer call() throws InterruptedException {
    InetSocketAddress address = parseListen(listen);
    SbxPaths paths = SbxPaths.fromEnvironment();
    Settings settings = Settings.load(paths);
    ProxyConfig config = ProxyConfig.of(sandbox, address, paths.config(), ProxyPaths.standaloneLog(paths, sandbox),
        settings.proxyResolve(), settings.proxyUpstreamCa().orElse(null));
    ProxyServer server;
    try {
      server = ProxyServer.start(config);
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "sbx-proxy-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress bound = server.address();
    out.println("sbx proxy listening on " + IpLiterals.formatHost(bound.getAddress()) + ":" + bound.getPort()
        + (sandbox == null ? " (global rules)" : " (sandbox " + sandbox + ")"));
    out.println("CA certificate: " + server.caCertificate());
    out.println("Decision log: " + config.logFile());
    out.flush();
    stopped.await();
    return 0;
  }

  /** Loopback only (L22): nothing but this host may use a standalone proxy. */
  static InetSocketAddress parseListen(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new UserException("--listen needs ADDRESS:PORT, e.g. 127.0.0.1:3128", ExitCodes.USAGE);
    }
    String host = text.substring(0, colon);
    int port;
    try {
      port = text.substring(colon + 1).equals("0") ? 0 : Destinations.parsePort(text.substring(colon + 1));
    } catch (InvalidTargetException e) {
      throw new UserException("--listen: " + e.getMessage(), ExitCodes.USAGE);
    }
    byte[] b = host.startsWith("[") && host.endsWith("]") ? IpLiterals.parseIpv6(host.substring(1, host.length() - 1))
        : host.equals("localhost") ? new byte[] {127, 0, 0, 1} : IpLiterals.parseIpv4(host);
    InetAddress a = b == null ? null : IpLiterals.toAddress(b);
    if (a == null || !a.isLoopbackAddress()) {
      throw new UserException("--listen must be a loopback address such as 127.0.0.1:3128; the proxy never serves other hosts",
          ExitCodes.USAGE);
    }
    return new InetSocketAddress(a, port);
  }
}
