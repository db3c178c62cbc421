package dev.sbx.cli.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * Graceful poweroff through the guest's sshd (vsock port 22, the sandbox's own keys):
 * {@code sudo -n poweroff} as {@code agent} signals init, which stops dockerd, syncs and
 * remounts the data disk read-only and ends the VM. Without the sandbox's keys (a VM started
 * outside the CLI) there is no way in, and the stop is forced.
 */
final class SshPowerOff implements GuestPowerOff {
  private static final int SSH_PORT = 22;

  @Override
  public void request(SandboxFiles files, Duration within) throws IOException {
    if (!Files.isRegularFile(files.sshDir().resolve(GuestSsh.CLIENT_KEY))
        || !Files.isRegularFile(files.sshDir().resolve(GuestSsh.HOST_PUBLIC_KEY))) {
      throw new IOException("the sandbox has no SSH keys in " + files.sshDir());
    }
    GuestSsh.Result r = GuestSsh.exec(connect(files, SSH_PORT), files, "sudo -n /usr/local/sbin/poweroff", within);
    if (r.exitStatus() != 0 && r.exitStatus() != -1) {
      throw new IOException("poweroff in the guest failed (" + r.exitStatus() + "): " + r.stderr().strip());
    }
  }

  /** A stream to guest {@code port} through the vsock device's host socket. */
  static SocketChannel connect(SandboxFiles files, int port) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(files.vsockSocket()));
      ByteBuffer req = ByteBuffer.wrap(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
      while (req.hasRemaining()) {
        ch.write(req);
      }
      String reply = LineReader.read(ch, 64);
      if (!reply.startsWith("OK ")) {
        throw new IOException("guest vsock port " + port + " refused: " + reply);
      }
      return ch;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }
}
