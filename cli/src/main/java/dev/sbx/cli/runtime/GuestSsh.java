package dev.sbx.cli.runtime;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SocketFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * One command as {@code agent} in the guest over SSH on an already open vsock stream, with the
 * sandbox's client key and its pinned host key (both from {@code ssh/}). The VMM uses it to ask
 * the guest to power off; the sessions users see are the CLI's.
 */
final class GuestSsh {
  static final String CLIENT_KEY = "id_ed25519";
  static final String HOST_PUBLIC_KEY = "ssh_host_ed25519_key.pub";
  private static final int MAX_OUTPUT = 1 << 20;

  /** What the command printed and how it ended ({@code -1}: the session closed without a status). */
  record Result(int exitStatus, String stdout, String stderr) {}

  private GuestSsh() {}

  static Result exec(SocketChannel stream, SandboxFiles files, String command, Duration timeout) throws IOException {
    JSch jsch = new JSch();
    Session session = null;
    try {
      jsch.addIdentity(files.sshDir().resolve(CLIENT_KEY).toString());
      String hostKey = Files.readString(files.sshDir().resolve(HOST_PUBLIC_KEY), StandardCharsets.UTF_8).strip();
      String[] parts = hostKey.split("\\s+");
      if (parts.length < 2) {
        throw new IOException("the sandbox host key " + files.sshDir().resolve(HOST_PUBLIC_KEY) + " is not an OpenSSH public key");
      }
      jsch.setKnownHosts(new ByteArrayInputStream(("sandbox " + parts[0] + " " + parts[1] + "\n")
          .getBytes(StandardCharsets.UTF_8)));
      session = jsch.getSession("agent", "sandbox", 22);
      session.setProxy(new StreamProxy(stream));
      session.setConfig("StrictHostKeyChecking", "yes");
      session.setConfig("PreferredAuthentications", "publickey");
      int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      session.connect(ms);
      ChannelExec ch = (ChannelExec) session.openChannel("exec");
      ch.setCommand(command);
      BoundedOutput out = new BoundedOutput();
      BoundedOutput err = new BoundedOutput();
      ch.setOutputStream(out);
      ch.setErrStream(err);
      ch.setInputStream(null);
      ch.connect(ms);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!ch.isClosed() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (!ch.isClosed()) {
        throw new IOException("'" + command + "' did not finish within " + timeout.toSeconds() + " s");
      }
      return new Result(ch.getExitStatus(), out.text(), err.text());
    } catch (JSchException e) {
      throw new IOException("ssh to the guest: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      if (session != null) {
        session.disconnect();
      }
      stream.close();
    }
  }

  /** JSch's transport over a vsock stream; reads and writes go to the channel directly (no shared lock). */
  private static final class StreamProxy implements Proxy {
    private final SocketChannel channel;

    StreamProxy(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public void connect(SocketFactory factory, String host, int port, int timeout) {}

    @Override
    public InputStream getInputStream() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
        }
      };
    }

    @Override
    public OutputStream getOutputStream() {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            channel.write(buf);
          }
        }
      };
    }

    @Override
    public Socket getSocket() {
      return null;
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }

  /** Keeps at most 1 MiB of a command's output: the guest decides how much it prints. */
  private static final class BoundedOutput extends OutputStream {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (buf.size() < MAX_OUTPUT) {
        buf.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      buf.write(b, off, Math.max(0, Math.min(len, MAX_OUTPUT - buf.size())));
    }

    synchronized String text() {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }
}
