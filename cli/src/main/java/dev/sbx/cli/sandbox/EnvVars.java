package dev.sbx.cli.sandbox;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code -e KEY[=VALUE]} and {@code --env-file FILE}: later files win, {@code -e} beats files. */
public final class EnvVars {
  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private EnvVars() {}

  public static Map<String, String> resolve(List<String> envs, List<Path> files, Map<String, String> host,
      PrintWriter warnings) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Path f : files) {
      List<String> lines;
      try {
        lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UserException("cannot read env file " + f + ": " + e.getMessage() + "; check the path");
      }
      int n = 0;
      for (String line : lines) {
        n++;
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        if (!t.contains("=")) {
          throw new UserException(f + " line " + n + ": expected KEY=VALUE", ExitCodes.USAGE);
        }
        put(out, t.substring(0, t.indexOf('=')), t.substring(t.indexOf('=') + 1));
      }
    }
    for (String e : envs) {
      int eq = e.indexOf('=');
      if (eq < 0) {
        String v = host.get(e);
        checkKey(e);
        if (v == null) {
          warnings.println("warning: " + e + " is not set on the host; not passed to the sandbox");
          continue;
        }
        put(out, e, v);
      } else {
        put(out, e.substring(0, eq), e.substring(eq + 1));
      }
    }
    return out;
  }

  private static void put(Map<String, String> out, String key, String value) {
    checkKey(key);
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new UserException("the value of " + key + " contains a newline or NUL; pass a single-line value",
          ExitCodes.USAGE);
    }
    out.put(key, value);
  }

  private static void checkKey(String key) {
    if (!KEY.matcher(key).matches()) {
      throw new UserException("invalid environment variable name '" + key + "'; use letters, digits and '_'",
          ExitCodes.USAGE);
    }
  }
}
