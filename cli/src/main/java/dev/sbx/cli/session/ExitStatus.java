package dev.sbx.cli.session;

import com.jcraft.jsch.Channel;
import java.util.Map;

/** A finished channel's status as a process exit code: the command's own, or 128+N after signal N. */
final class ExitStatus {
  private static final Map<String, Integer> SIGNALS = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("ABRT", 6),
      Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
      Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15));

  private ExitStatus() {}

  static int of(Channel ch) {
    int status = ch.getExitStatus();
    if (status >= 0) {
      return status;
    }
    String sig = ch.getExitSignal();
    if (sig != null) {
      return 128 + SIGNALS.getOrDefault(sig.replaceFirst("^SIG", ""), 0);
    }
    // The connection ended without a status: the VM went away under the session.
    return 255;
  }
}
