package dev.sbx.cli.session;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import dev.sbx.cli.UserException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * One SSH connection to a sandbox's guest as {@code agent}, carried by a vsock stream (no TCP),
 * with the client key from the sandbox's {@code ssh/} and the guest's host key pinned: a guest
 * presenting any other key is refused.
 */
public final class SshSession implements AutoCloseable {
  /** The name the pinned host key is filed under; the real address is a vsock port. */
  static final String HOST_ALIAS = "sbx-sandbox";
  public static final String USER = "agent";

  private final Session session;

  private SshSession(Session session) {
    this.session = session;
  }

  /** Connects and authenticates; a refused key or a wrong host key is a one-line error. */
  public static SshSession connect(SshKeys keys, VsockProxy.Opener opener) {
    return connect(keys, opener, USER);
  }

  /** As {@code user}: tests log in to a host sshd as themselves. */
  public static SshSession connect(SshKeys keys, VsockProxy.Opener opener, String user) {
    return connect(keys, opener, user, Duration.ofSeconds(30));
  }

  /** With a bound on the handshake and login (the VMM's poweroff request has its own deadline). */
  public static SshSession connect(SshKeys keys, VsockProxy.Opener opener, String user, Duration timeout) {
    try {
      JSch jsch = new JSch();
      String known = HOST_ALIAS + " " + SshKeys.keyText(keys.hostPublicKey()) + "\n";
      jsch.setKnownHosts(new ByteArrayInputStream(known.getBytes(StandardCharsets.US_ASCII)));
      jsch.addIdentity(keys.clientKey().toString(), Files.readAllBytes(keys.clientKey()),
          Files.readAllBytes(keys.clientPublicKey()), null);
      Session s = jsch.getSession(user, HOST_ALIAS, 22);
      s.setHostKeyAlias(HOST_ALIAS);
      s.setConfig("StrictHostKeyChecking", "yes");
      s.setConfig("PreferredAuthentications", "publickey");
      s.setConfig("server_host_key", "ssh-ed25519");
      s.setProxy(new VsockProxy(opener));
      s.setServerAliveInterval(15_000);
      s.connect((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      return new SshSession(s);
    } catch (JSchException e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("HostKey")) {
        throw new UserException("the sandbox presented an unexpected SSH host key; refusing to connect ("
            + msg + ")");
      }
      throw new UserException("cannot open a session in the sandbox: " + msg
          + "; see the console log with 'sbx diagnose'", 1, e);
    } catch (IOException e) {
      throw new UserException("cannot read the sandbox's SSH keys: " + e.getMessage());
    }
  }

  public ChannelExec exec(String command) throws JSchException {
    ChannelExec ch = (ChannelExec) session.openChannel("exec");
    ch.setCommand(command.getBytes(StandardCharsets.UTF_8));
    return ch;
  }

  public ChannelSftp sftp() throws JSchException {
    ChannelSftp ch = (ChannelSftp) session.openChannel("sftp");
    ch.connect(30_000);
    return ch;
  }

  /** Local forwarding: {@code bindAddress:hostPort} (0 = ephemeral) to the guest's 127.0.0.1:{@code guestPort}. */
  public int forward(String bindAddress, int hostPort, int guestPort) throws JSchException {
    return session.setPortForwardingL(bindAddress, hostPort, "127.0.0.1", guestPort);
  }

  public void unforward(String bindAddress, int hostPort) throws JSchException {
    session.delPortForwardingL(bindAddress, hostPort);
  }

  public boolean connected() {
    return session.isConnected();
  }

  @Override
  public void close() {
    session.disconnect();
  }
}
