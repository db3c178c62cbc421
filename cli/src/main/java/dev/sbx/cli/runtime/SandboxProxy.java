package dev.sbx.cli.runtime;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.settings.Settings;
import dev.sbx.proxy.server.ProxyConfig;
import dev.sbx.proxy.server.ProxyServer;
import dev.sbx.vmm.virtio.vsock.VsockHandler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The sandbox's egress proxy, inside the VMM process: the guest's forwarder connects to vsock
 * port 3128 and {@link #vsockHandler()} splices the stream to the proxy, which listens on a Unix
 * socket in the sandbox's private {@code run/} folder (0700). No TCP listener: another local user
 * cannot reach this sandbox's proxy (and its credentials), and another sandbox has no path to it.
 */
final class SandboxProxy implements AutoCloseable {
  static final int VSOCK_PORT = 3128;

  private final ProxyServer server;
  private final UnixDomainSocketAddress socket;

  private SandboxProxy(ProxyServer server, UnixDomainSocketAddress socket) {
    this.server = server;
    this.socket = socket;
  }

  static SandboxProxy start(SbxPaths paths, String sandboxName, Path socket, Path logFile) throws IOException {
    Settings settings = Settings.load(paths);
    ProxyConfig config = ProxyConfig.of(sandboxName, UnixDomainSocketAddress.of(socket),
        paths.config(), logFile, settings.proxyResolve(), settings.proxyUpstreamCa().orElse(null));
    return new SandboxProxy(ProxyServer.start(config), UnixDomainSocketAddress.of(socket));
  }

  /** PEM of the interception CA, for the guest's trust store. */
  Path caCertificate() {
    return server.caCertificate();
  }

  VsockHandler vsockHandler() {
    return (channel, guestPort) -> {
      SocketChannel upstream = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        upstream.connect(socket);
      } catch (IOException e) {
        upstream.close();
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
