package dev.sbx.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildProgressTest {

  @Test
  void oneEstimateLineThenOneLinePerStep() {
    StringWriter out = new StringWriter();
    BuildProgress progress = new BuildProgress(new PrintWriter(out), false);
    progress.announce("bookworm-0123456789ab", Path.of("/cache/images"));
    progress.step("kernel-compile");
    progress.output("CC kernel/fork.o");
    progress.step("rootfs-agents");
    List<String> lines = out.toString().lines().toList();
    assertEquals(3, lines.size(), out.toString());
    assertTrue(lines.get(0).matches("Building sandbox image bookworm-0123456789ab \\(first use; about \\d+ "
        + "minutes on this machine\\) into /cache/images"), lines.get(0));
    assertTrue(lines.get(1).matches("\\[\\d\\d:\\d\\d] kernel-compile"), lines.get(1));
    assertTrue(lines.get(2).matches("\\[\\d\\d:\\d\\d] rootfs-agents"), lines.get(2));
  }

  @Test
  void verboseAlsoPrintsTheBuildOutput() {
    StringWriter out = new StringWriter();
    new BuildProgress(new PrintWriter(out), true).output("I: downloading packages with apt...");
    assertEquals(List.of("  I: downloading packages with apt..."), out.toString().lines().toList());
  }

  @Test
  void sizesAreHumanReadable() {
    assertEquals("21 MiB", BuildProgress.size(22_412_120L));
    assertEquals("2.6 GiB", BuildProgress.size(2_760_900_608L));
  }
}
