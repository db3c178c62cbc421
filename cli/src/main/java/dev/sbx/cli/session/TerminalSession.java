package dev.sbx.cli.session;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.NonBlockingInputStream;

/**
 * An interactive session: the host terminal in raw mode (so Ctrl-C and every other key reach
 * the guest's PTY, where they signal the guest process), the guest PTY resized with the window,
 * {@code TERM} from the host ({@code xterm-256color} if unset).
 */
public final class TerminalSession {
  private TerminalSession() {}

  public static int run(SshSession ssh, String command) {
    Terminal terminal;
    try {
      terminal = TerminalBuilder.builder().system(true).jna(false).jni(false).build();
    } catch (IOException e) {
      throw new UserException("cannot use this terminal: " + e.getMessage());
    }
    String term = System.getenv("TERM");
    if (term == null || term.isBlank() || term.equals("dumb")) {
      term = "xterm-256color";
    }
    Attributes saved = terminal.enterRawMode();
    ChannelExec ch = null;
    try {
      Size size = terminal.getSize();
      ch = ssh.exec(command);
      ch.setPty(true);
      ch.setPtyType(term, Math.max(size.getColumns(), 1), Math.max(size.getRows(), 1), 0, 0);
      ChannelExec channel = ch;
      terminal.handle(Terminal.Signal.WINCH, s -> {
        Size z = terminal.getSize();
        channel.setPtySize(z.getColumns(), z.getRows(), 0, 0);
      });
      InputStream remoteOut = ch.getInputStream();
      OutputStream remoteIn = ch.getOutputStream();
      ch.connect(30_000);
      Thread keys = new Thread(() -> pumpKeys(terminal.input(), remoteIn, channel), "sbx-keys");
      keys.setDaemon(true);
      keys.start();
      PipeSession.copy(remoteOut, terminal.output());
      return PipeSession.waitClosed(ch);
    } catch (JSchException | IOException e) {
      throw new UserException("session failed: " + e.getMessage(), 1, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      if (ch != null) {
        ch.disconnect();
      }
      terminal.setAttributes(saved);
      try {
        terminal.close();
      } catch (IOException e) {
        // restoring the terminal is best effort once the session is over
      }
    }
  }

  private static void pumpKeys(InputStream in, OutputStream remote, ChannelExec ch) {
    byte[] buf = new byte[4096];
    try {
      while (!ch.isClosed()) {
        int n;
        if (in instanceof NonBlockingInputStream nb) {
          n = nb.readBuffered(buf, 0, buf.length, 100);
          if (n == NonBlockingInputStream.READ_EXPIRED) {
            continue;
          }
        } else {
          n = in.read(buf);
        }
        if (n < 0) {
          remote.close();
          return;
        }
        if (n > 0) {
          remote.write(buf, 0, n);
          remote.flush();
        }
      }
    } catch (IOException e) {
      // session over
    }
  }
}
