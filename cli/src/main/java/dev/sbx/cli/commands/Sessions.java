package dev.sbx.cli.commands;

import dev.sbx.cli.UserException;
import dev.sbx.cli.sandbox.IdleStop;
import dev.sbx.cli.sandbox.SandboxLock;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.session.SshKeys;
import dev.sbx.cli.session.PipeSession;
import dev.sbx.cli.session.SshSession;
import dev.sbx.cli.session.TerminalSession;
import dev.sbx.cli.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Opens SSH sessions to running sandboxes, each marked active for {@code rm} while it lasts. */
final class Sessions {
  private Sessions() {}

  static SshSession connect(Sandboxes sandboxes, SandboxRecord r) {
    return SshSession.connect(SshKeys.in(sandboxes.dir(r)), () -> sandboxes.runtime().openVsock(sandboxes.dir(r), 22));
  }

  /** Runs one command; a terminal session when {@code tty}, else pipes. Returns its exit status. */
  static int run(Sandboxes sandboxes, SandboxRecord r, String command, boolean tty, InputStream stdin,
      OutputStream out, OutputStream err) {
    try {
      try (SandboxLock ignored = sandboxes.openSession(r); SshSession ssh = connect(sandboxes, r)) {
        return tty ? TerminalSession.run(ssh, command) : PipeSession.run(ssh, command, stdin, out, err);
      } catch (IOException e) {
        throw new UserException("cannot open a session: " + e.getMessage());
      }
    } finally {
      IdleStop.sessionEnded(sandboxes, r, Settings.load(sandboxes.paths()).idleStop());
    }
  }
}
