package dev.sbx.cli.session;

import java.util.List;
import java.util.Map;

/**
 * The command line sent over SSH, which the guest's login shell runs: enter the working
 * directory (125 if impossible, as {@code docker exec}), set the session's variables, then
 * {@code exec} the program so its exit status or signal is the session's (126/127 come from the
 * shell for "not executable"/"not found"). Every word is single-quoted: nothing the user passes is
 * interpreted by the guest shell.
 */
public final class RemoteCommand {
  /** {@code docker exec}'s "could not launch" status. */
  public static final int CANNOT_LAUNCH = 125;

  private RemoteCommand() {}

  /**
   * @param user null for the login user ({@code agent}); else {@code USER[:GROUP]}, run via sudo
   * @param detach start in the background without terminal or pipes and return at once
   */
  public static String build(List<String> argv, String workdir, Map<String, String> env, String user, boolean detach) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("no command");
    }
    StringBuilder sb = new StringBuilder();
    sb.append("cd ").append(quote(workdir)).append(" 2>/dev/null || { echo ")
        .append(quote("sbx: cannot enter the working directory " + workdir)).append(" >&2; exit ")
        .append(CANNOT_LAUNCH).append("; }; ");
    if (!detach) {
      sb.append("exec ");
    }
    if (user != null) {
      String[] ug = user.split(":", 2);
      sb.append("sudo -n -u ").append(quote(ug[0]));
      if (ug.length == 2) {
        sb.append(" -g ").append(quote(ug[1]));
      }
      sb.append(" -- ");
    }
    if (detach) {
      sb.append("setsid -f ");
    }
    sb.append("env");
    for (Map.Entry<String, String> e : env.entrySet()) {
      sb.append(' ').append(quote(e.getKey() + "=" + e.getValue()));
    }
    for (String a : argv) {
      sb.append(' ').append(quote(a));
    }
    if (detach) {
      sb.append(" </dev/null >/dev/null 2>&1");
    }
    return sb.toString();
  }

  /** POSIX single quoting: {@code '} becomes {@code '\''}. */
  public static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
