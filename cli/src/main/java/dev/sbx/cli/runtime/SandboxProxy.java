package dev.sbx.cli.runtime;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.settings.Settings;
import dev.sbx.proxy.server.ProxyConfig;
import dev.sbx.proxy.server.ProxyServer;
import dev.sbx.vmm.virtio.vsock.VsockHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The sandbox's egress proxy, inside the VMM process: the guest's forwarder connects to vsock
 * port 3128 and {@link #vsockHandler()} hands the stream to the proxy. Until the proxy can serve a
 * channel directly, each stream is bridged to the proxy's loopback listener (an ephemeral port
 * on 127.0.0.1, reachable only from this host).
 */
final class SandboxProxy implements AutoCloseable {
  static final int VSOCK_PORT = 3128;

  private final ProxyServer server;

  private SandboxProxy(ProxyServer server) {
    this.server = server;
  }

  static SandboxProxy start(SbxPaths paths, String sandboxName, Path logFile) throws IOException {
    Settings settings = Settings.load(paths);
    ProxyConfig config = ProxyConfig.of(sandboxName, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        paths.config(), logFile, settings.proxyResolve(), settings.proxyUpstreamCa().orElse(null));
    return new SandboxProxy(ProxyServer.start(config));
  }

  /** PEM of the interception CA, for the guest's trust store. */
  Path caCertificate() {
    return server.caCertificate();
  }

  VsockHandler vsockHandler() {
    return (channel, guestPort) -> {
      SocketChannel upstream;
      try {
        upstream = SocketChannel.open(server.address());
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      ChannelSplice.run(channel, upstream, "egress");
    };
  }

  @Override
  public void close() {
    server.close();
  }
}
