package dev.sbx.cli.sandbox;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.util.regex.Pattern;

/** Sandbox naming rules of sbx-cli.md §1.3 (the name is also the guest hostname). */
public final class SandboxNames {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?");
  private static final Pattern OUTSIDE = Pattern.compile("[^A-Za-z0-9.-]+");

  private SandboxNames() {}

  /** Null when valid, else why not. */
  public static String problem(String name) {
    if (name.length() < 2) {
      return "it needs at least 2 characters";
    }
    if (name.equalsIgnoreCase("default")) {
      return "'default' is reserved";
    }
    if (name.contains("..")) {
      return "it must not contain '..'";
    }
    if (!VALID.matcher(name).matches()) {
      return "use 2-63 letters, digits, '-' and '.', starting and ending with a letter or digit";
    }
    return null;
  }

  /** Checks a name the user typed: an invalid one is a usage error. */
  public static String check(String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new UserException("invalid sandbox name '" + name + "': " + problem, ExitCodes.USAGE);
    }
    return name;
  }

  /** {@code <agent>-<workdir>}, cleaned up; {@code <agent>-workspace} without a workspace. */
  public static String derive(String agent, String primaryPath) {
    String last = "workspace";
    if (primaryPath != null) {
      String trimmed = primaryPath.replaceAll("[/\\\\]+$", "");
      int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
      last = trimmed.substring(slash + 1);
    }
    String name = OUTSIDE.matcher(agent + "-" + last).replaceAll("-");
    name = name.replaceAll("^[.-]+", "").replaceAll("[.-]+$", "");
    if (name.length() > 63) {
      name = name.substring(0, 63).replaceAll("[.-]+$", "");
    }
    name = name.replace("..", "-");
    if (problem(name) != null || last.isEmpty()) {
      throw new UserException("cannot derive a sandbox name from '" + primaryPath + "'; give one with --name",
          ExitCodes.USAGE);
    }
    return name;
  }
}
