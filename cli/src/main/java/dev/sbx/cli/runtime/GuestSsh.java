package dev.sbx.cli.runtime;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import dev.sbx.cli.UserException;
import dev.sbx.cli.session.SshKeys;
import dev.sbx.cli.session.SshSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One command as {@code agent} in the guest over SSH on an already open vsock stream, with the
 * sandbox's keys ({@link SshSession}: client key and pinned host key from {@code ssh/}). The VMM
 * uses it to ask the guest to power off; the sessions users see are the CLI's.
 */
final class GuestSsh {
  private static final int MAX_OUTPUT = 1 << 20;

  /** What the command printed and how it ended ({@code -1}: the session closed without a status). */
  record Result(int exitStatus, String stdout, String stderr) {}

  private GuestSsh() {}

  static Result exec(SocketChannel stream, SandboxFiles files, String command, Duration timeout) throws IOException {
    try (SshSession session = SshSession.connect(new SshKeys(files.sshDir()), () -> stream, SshSession.USER,
        timeout)) {
      ChannelExec ch = session.exec(command);
      BoundedOutput out = new BoundedOutput();
      BoundedOutput err = new BoundedOutput();
      ch.setOutputStream(out);
      ch.setErrStream(err);
      ch.setInputStream(null);
      ch.connect((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!ch.isClosed() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (!ch.isClosed()) {
        throw new IOException("'" + command + "' did not finish within " + timeout.toSeconds() + " s");
      }
      return new Result(ch.getExitStatus(), out.text(), err.text());
    } catch (UserException | JSchException e) {
      throw new IOException("ssh to the guest: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      stream.close();
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
