package dev.sbx.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs sbx as a separate JVM with its own {@code SBX_HOME} and piped stdin (no terminal), the
 * way scripts and the proxy tests use it.
 */
public final class SbxProcess {
  public record Result(int exit, String out, String err) {}

  private final Path home;
  private final Map<String, String> extraEnv;

  public SbxProcess(Path home) {
    this(home, Map.of());
  }

  public SbxProcess(Path home, Map<String, String> extraEnv) {
    this.home = home;
    this.extraEnv = extraEnv;
  }

  public ProcessBuilder builder(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Sbx.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("SBX_"));
    pb.environment().put("SBX_HOME", home.toString());
    pb.environment().putAll(extraEnv);
    return pb;
  }

  public Result input(String stdin, String... args) throws IOException, InterruptedException {
    Process p = builder(args).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("sbx did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  public Result run(String... args) throws IOException, InterruptedException {
    return input(null, args);
  }
}
