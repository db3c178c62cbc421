package dev.sbx.vmm.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs ACPICA's {@code acpiexec} (Debian {@code acpica-tools}) in batch mode: it loads tables into
 * the same interpreter and resource manager Linux builds from ({@code drivers/acpi/acpica}) and
 * evaluates objects. Missing {@code acpiexec} fails the test.
 */
public final class AcpiExec {

  private static final Pattern PROBLEM =
      Pattern.compile("(?i)(acpi|firmware) (error|warning|exception)|segmentation fault"
          + "|AE_[A-Z_]+");

  private AcpiExec() {}

  /**
   * Loads {@code tables} (file names in {@code dir}) and runs {@code commands} (acpiexec batch
   * syntax, separated by {@code ;}); fails on any ACPICA error or warning and returns the output.
   * {@code allowed} lines are ACPICA diagnostics the caller expects and has explained.
   */
  public static String run(Path dir, String commands, List<String> tables, Pattern allowed) {
    List<String> cmd = new ArrayList<>(List.of("acpiexec", "-b", commands));
    cmd.addAll(tables);
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("acpiexec is not installed; these tests need it: apt-get install "
          + "acpica-tools (./run-tests installs it)", e);
    }
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("acpiexec did not finish");
      }
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("running acpiexec", e);
    }
    String text = out;
    assertEquals(0, p.exitValue(), () -> "acpiexec failed:\n" + text);
    assertTrue(out.contains("ACPI: No outstanding allocations"),
        () -> "acpiexec did not finish cleanly:\n" + text);
    for (String line : out.split("\n")) {
      if (!allowed.matcher(line).find()) {
        assertFalse(PROBLEM.matcher(line).find(),
            () -> "acpiexec complained: " + line + "\n" + text);
      }
    }
    return out;
  }
}
