package dev.sbx.proxy.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real curl (Debian's; needs package {@code curl}) with no .curlrc and no proxy env. */
final class Curl {
  record Result(int exit, String out, String err) {
    /** The {@code -w} line curl printed last: "http_code http_connect exitcode". */
    String codes() {
      String[] lines = out.split("\n");
      return lines[lines.length - 1];
    }

    String body() {
      int i = out.lastIndexOf('\n');
      return i < 0 ? "" : out.substring(0, i);
    }
  }

  private Curl() {}

  static Result run(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("curl");
    cmd.add("-q");
    cmd.add("-sS");
    cmd.add("--max-time");
    cmd.add("20");
    cmd.add("-w");
    cmd.add("\n%{http_code} %{http_connect} %{exitcode}");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    for (String k : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
        "ALL_PROXY", "NO_PROXY")) {
      env.remove(k);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("curl did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  static Result run(String... args) throws IOException, InterruptedException {
    return run(List.of(args));
  }
}
