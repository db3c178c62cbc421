package dev.sbx.cli.session;

import com.jcraft.jsch.JSchException;
import dev.sbx.cli.UserException;
import java.util.ArrayList;
import java.util.List;

/**
 * The published ports of one sandbox, held by its sbx-vmm process so they outlive the CLI: SSH
 * local forwarding over one vsock connection to the guest's sshd, each mapping dialling the
 * guest's 127.0.0.1 (loopback-only servers work). {@code tcp} binds both loopbacks on one port.
 */
public final class PortForwarder implements AutoCloseable {
  private final SshKeys keys;
  private final VsockProxy.Opener opener;
  private final List<PortSpec> bound = new ArrayList<>();
  private final String user;
  private SshSession ssh;

  public PortForwarder(SshKeys keys, VsockProxy.Opener opener) {
    this(keys, opener, SshSession.USER);
  }

  PortForwarder(SshKeys keys, VsockProxy.Opener opener, String user) {
    this.keys = keys;
    this.opener = opener;
    this.user = user;
  }

  private SshSession session() {
    if (ssh == null || !ssh.connected()) {
      ssh = SshSession.connect(keys, opener, user);
    }
    return ssh;
  }

  /** Binds the mapping and returns it with the host port filled in; a taken port is a one-line error. */
  public synchronized PortSpec publish(PortSpec spec) {
    for (PortSpec b : bound) {
      if (spec.hostPort() != 0 && b.hostPort() == spec.hostPort() && overlaps(b, spec)) {
        throw new UserException("host port " + spec.hostIp() + ":" + spec.hostPort() + " is already published");
      }
    }
    List<String> addresses = spec.protocol().equals("tcp") ? List.of("127.0.0.1", "::1") : List.of(spec.hostIp());
    int port = spec.hostPort();
    List<String> done = new ArrayList<>();
    try {
      for (String a : addresses) {
        port = session().forward(a, port, spec.sandboxPort());
        done.add(a);
      }
    } catch (JSchException e) {
      for (String a : done) {
        try {
          session().unforward(a, port);
        } catch (JSchException ignored) {
          // best effort: the half-made mapping goes with the session
        }
      }
      String addr = addresses.get(done.size());
      throw new UserException("host port " + (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + port
          + " is in use; choose another, or publish " + spec.sandboxPort() + " alone for an ephemeral port");
    }
    PortSpec result = new PortSpec(spec.hostIp(), port, spec.sandboxPort(), spec.protocol());
    bound.add(result);
    return result;
  }

  /** Withdraws a mapping; {@code hostPort} 0 withdraws every mapping to that sandbox port. */
  public synchronized List<PortSpec> unpublish(PortSpec spec) {
    List<PortSpec> removed = new ArrayList<>();
    for (PortSpec b : List.copyOf(bound)) {
      boolean match = spec.hostPort() == 0 ? b.sandboxPort() == spec.sandboxPort()
          : b.hostPort() == spec.hostPort() && b.sandboxPort() == spec.sandboxPort() && overlaps(b, spec);
      if (!match) {
        continue;
      }
      List<String> addresses = b.protocol().equals("tcp") ? List.of("127.0.0.1", "::1") : List.of(b.hostIp());
      for (String a : addresses) {
        try {
          session().unforward(a, b.hostPort());
        } catch (JSchException e) {
          throw new UserException("cannot withdraw " + b.display() + ": " + e.getMessage());
        }
        awaitReleased(a, b.hostPort());
      }
      bound.remove(b);
      removed.add(b);
    }
    return removed;
  }

  /**
   * Waits (at most about 2 s) until the host port can be bound again: the SSH library closes its
   * listener from another thread, and a user who withdraws a port expects to reuse it at once.
   */
  private static void awaitReleased(String address, int port) {
    for (int i = 0; i < 40; i++) {
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new java.net.InetSocketAddress(address, port));
        return;
      } catch (java.io.IOException e) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  public synchronized List<PortSpec> ports() {
    return List.copyOf(bound);
  }

  private static boolean overlaps(PortSpec a, PortSpec b) {
    return a.hostIp().equals(b.hostIp()) || a.protocol().equals("tcp") || b.protocol().equals("tcp");
  }

  @Override
  public synchronized void close() {
    if (ssh != null) {
      ssh.close();
    }
    bound.clear();
  }
}
