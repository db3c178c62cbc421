package dev.sbx.cli.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The guest's way of serving SSH ({@code sshd -i} per connection, as socat runs it on vsock 22)
 * on this host: each {@link #open} returns a Unix-socket stream to a fresh {@code sshd -i} using
 * the sandbox's host key and client key. Needs OpenSSH's server (Debian: openssh-server).
 */
final class LocalSshd {
  static final Path SSHD = Path.of("/usr/sbin/sshd");

  private final Path dir;
  private final Path config;
  private int n;

  LocalSshd(Path dir, SshKeys keys) throws IOException {
    this.dir = dir;
    Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
    Path authorized = dir.resolve("authorized_keys");
    Files.copy(keys.clientPublicKey(), authorized);
    config = dir.resolve("sshd_config");
    Files.writeString(config, String.join("\n", List.of(
        "HostKey " + keys.hostKey(), "AuthorizedKeysFile " + authorized, "PermitRootLogin prohibit-password",
        "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PidFile none", "LogLevel ERROR", "Subsystem sftp internal-sftp")) + "\n");
  }

  static boolean available() {
    return Files.isExecutable(SSHD);
  }

  SocketChannel open() throws IOException {
    Path sock = dir.resolve("s" + (n++));
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
    SocketChannel peer = server.accept();
    server.close();
    Process sshd = new ProcessBuilder(SSHD.toString(), "-i", "-e", "-f", config.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    pump(ChannelStreams.in(peer), sshd.getOutputStream(), "to-sshd");
    pump(sshd.getInputStream(), ChannelStreams.out(peer), "from-sshd");
    return client;
  }

  private static void pump(InputStream in, OutputStream out, String name) {
    Thread t = new Thread(() -> {
      // Flush every chunk: a process's stdin is buffered, and SSH waits for each reply.
      try (in; out) {
        byte[] buf = new byte[16384];
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }
}
