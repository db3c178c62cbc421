package dev.sbx.cli.proxy;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where proxies keep their decision logs: {@code sandboxes/<id>/proxy.log} under the data dir
 * for sandbox VMMs (design §6), {@code proxy/<name>/proxy.log} for standalone {@code sbx proxy}.
 */
public final class ProxyPaths {
  /** Rotated files kept besides the live log. */
  public static final int LOG_KEEP = 3;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,62}");

  private ProxyPaths() {}

  /** Sandbox names become path segments: only Docker's name characters, never {@code ..}. */
  public static String checkSandboxName(String name) {
    if (!NAME.matcher(name).matches() || name.contains("..")) {
      throw new UserException("invalid sandbox name '" + name + "'; use letters, digits, '-' and '.'", ExitCodes.USAGE);
    }
    return name;
  }

  public static Path standaloneLog(SbxPaths paths, String sandbox) {
    return paths.data().resolve("proxy").resolve(sandbox == null ? "_global" : checkSandboxName(sandbox))
        .resolve("proxy.log");
  }

  /** Every live decision log there is. */
  public static List<Path> allLogs(SbxPaths paths) {
    List<Path> out = new ArrayList<>();
    for (Path dir : List.of(paths.data().resolve("sandboxes"), paths.data().resolve("proxy"))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        s.map(d -> d.resolve("proxy.log")).filter(Files::exists).forEach(out::add);
      } catch (IOException e) {
        // unreadable directory: nothing to show from it
      }
    }
    return out;
  }
}
