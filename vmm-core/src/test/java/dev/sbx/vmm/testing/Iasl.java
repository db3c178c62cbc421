package dev.sbx.vmm.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs the ACPICA compiler/disassembler {@code iasl} (Debian package {@code acpica-tools}, which
 * {@code ./run-tests} installs). A missing {@code iasl} fails the test: these checks are the
 * independent judge of the tables and must not silently disappear.
 */
public final class Iasl {

  private static final Pattern PROBLEM = Pattern.compile("(?i)\\b(error|warning)s?\\b");
  private static final Pattern NONE = Pattern.compile("\\b0 (Errors|Warnings)\\b");

  private Iasl() {}

  public record Result(int exitCode, String output) {}

  public static Result run(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("iasl");
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("iasl is not installed; these tests need it: apt-get install "
          + "acpica-tools (./run-tests installs it)", e);
    }
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("iasl " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("running iasl " + String.join(" ", args), e);
    }
  }

  /**
   * Writes {@code table} to {@code dir/<name>.dat}, disassembles it with {@code iasl -d} and
   * returns the {@code .dsl} text, failing on any error, warning or checksum complaint.
   */
  public static String disassemble(Path dir, String name, byte[] table) throws IOException {
    Files.write(dir.resolve(name + ".dat"), table);
    Result r = run(dir, "-d", name + ".dat");
    assertClean(r, "iasl -d " + name);
    String dsl = Files.readString(dir.resolve(name + ".dsl"), StandardCharsets.ISO_8859_1);
    assertFalse(dsl.contains("Incorrect"), () -> "iasl found a bad field in " + name + ":\n" + dsl);
    return dsl;
  }

  /** Compiles {@code dir/<name>.dsl} with every optimisation off and returns the binary. */
  public static byte[] compile(Path dir, String name) throws IOException {
    Result r = run(dir, "-oa", name + ".dsl");
    assertClean(r, "iasl " + name + ".dsl");
    assertTrue(r.output().contains("Compilation successful. 0 Errors, 0 Warnings"), r.output());
    return Files.readAllBytes(dir.resolve(name + ".aml"));
  }

  private static void assertClean(Result r, String what) {
    assertEquals(0, r.exitCode(), () -> what + " failed:\n" + r.output());
    for (String line : r.output().split("\n")) {
      String rest = NONE.matcher(line).replaceAll("");
      assertFalse(PROBLEM.matcher(rest).find(),
          () -> what + " complained: " + line + "\n" + r.output());
    }
  }
}
