package dev.sbx.cli.sandbox;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code PATH[:ro]} arguments (sbx-cli.md §1.4): absolute and normalised but not
 * symlink-resolved, so the guest path is what the user typed; the first is the primary and must
 * be writable; every one must be an existing directory; no duplicates or overlaps.
 */
public final class WorkspaceArgs {
  private WorkspaceArgs() {}

  public static List<Workspace> parse(List<String> args, Path cwd) {
    List<Workspace> out = new ArrayList<>();
    for (String arg : args) {
      boolean ro = false;
      String p = arg;
      if (p.endsWith(":ro")) {
        ro = true;
        p = p.substring(0, p.length() - 3);
      } else if (p.endsWith(":readonly")) {
        ro = true;
        p = p.substring(0, p.length() - 9);
      }
      if (p.isEmpty()) {
        throw new UserException("empty workspace path in '" + arg + "'", ExitCodes.USAGE);
      }
      if (p.indexOf('\n') >= 0 || p.indexOf('\0') >= 0) {
        throw new UserException("workspace path contains a newline or NUL; rename the folder", ExitCodes.USAGE);
      }
      Path abs = cwd.resolve(p).toAbsolutePath().normalize();
      if (out.isEmpty() && ro) {
        throw new UserException("primary workspace must be read/write (remove ':ro' or ':readonly')", ExitCodes.USAGE);
      }
      if (!Files.isDirectory(abs)) {
        throw new UserException("workspace " + abs + " does not exist or is not a directory; create it or fix the path");
      }
      for (Workspace w : out) {
        Path other = Path.of(w.path());
        if (other.equals(abs)) {
          throw new UserException("workspace " + abs + " is given twice", ExitCodes.USAGE);
        }
        if (abs.startsWith(other) || other.startsWith(abs)) {
          throw new UserException("workspaces " + other + " and " + abs + " overlap; share only one of them",
              ExitCodes.USAGE);
        }
      }
      out.add(new Workspace(abs.toString(), ro));
    }
    return out;
  }
}
