package dev.sbx.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs sbx in-process and captures what it prints. */
public final class CliHarness {
  public record Result(int exitCode, String out, String err) {}

  private CliHarness() {}

  public static Result run(String... args) {
    CommandLine cl = Sbx.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
