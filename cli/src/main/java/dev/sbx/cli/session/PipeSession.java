package dev.sbx.cli.session;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import dev.sbx.cli.UserException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A session without a terminal: the guest's stdout and stderr stay separate, the host's stdin
 * (when passed) reaches the command and its end reaches it as EOF.
 */
public final class PipeSession {
  private PipeSession() {}

  /** Runs {@code command} and returns its exit status; {@code stdin} null gives the command an empty input. */
  public static int run(SshSession ssh, String command, InputStream stdin, OutputStream out, OutputStream err) {
    ChannelExec ch = null;
    try {
      ch = ssh.exec(command);
      // dontclose: JSch must not close the caller's stdin/stdout/stderr.
      ch.setInputStream(stdin == null ? new ByteArrayInputStream(new byte[0]) : stdin, true);
      InputStream remoteOut = ch.getInputStream();
      InputStream remoteErr = ch.getExtInputStream();
      ch.connect(30_000);
      Thread errPump = new Thread(() -> copy(remoteErr, err), "sbx-stderr");
      errPump.setDaemon(true);
      errPump.start();
      copy(remoteOut, out);
      errPump.join();
      return waitClosed(ch);
    } catch (JSchException | IOException e) {
      throw new UserException("session failed: " + e.getMessage(), 1, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      if (ch != null) {
        ch.disconnect();
      }
    }
  }

  static void copy(InputStream in, OutputStream out) {
    byte[] buf = new byte[32 * 1024];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the channel closed under us; the exit status says how it ended
    }
  }

  /** The status arrives just before the channel closes; the output has already reached EOF. */
  static int waitClosed(com.jcraft.jsch.Channel ch) throws InterruptedException {
    for (int i = 0; i < 600 && !ch.isClosed(); i++) {
      Thread.sleep(10);
    }
    return ExitStatus.of(ch);
  }
}
