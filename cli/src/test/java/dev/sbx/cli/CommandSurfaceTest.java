package dev.sbx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CommandSurfaceTest {
  @Test
  void noArgumentsPrintsHelp() {
    CliHarness.Result r = CliHarness.run();
    assertEquals(0, r.exitCode());
    assertTrue(r.out().startsWith("Usage: sbx"), r.out());
    assertTrue(r.out().contains("version"));
  }

  @Test
  void versionIsTextAndJson() throws Exception {
    CliHarness.Result text = CliHarness.run("version");
    assertEquals(0, text.exitCode());
    assertTrue(text.out().matches("(?s)sbx \\d+\\.\\d+\\.\\d+ \\(commit ([0-9a-f]{7}|unknown)\\).*"), text.out());
    CliHarness.Result json = CliHarness.run("version", "--json");
    JsonNode node = new ObjectMapper().readTree(json.out());
    assertEquals(BuildInfo.current().version(), node.get("version").asText());
    assertTrue(node.has("commit"));
    assertEquals(System.getProperty("java.version"), node.get("java").asText());
  }

  @Test
  void helpCommandMatchesHelpFlag() {
    assertEquals(CliHarness.run("vmm", "run", "--help").out(), CliHarness.run("help", "vmm", "run").out());
    CliHarness.Result bad = CliHarness.run("help", "nosuch");
    assertEquals(ExitCodes.USAGE, bad.exitCode());
    assertEquals("ERROR: unknown command 'nosuch'; run 'sbx help' for the list\n", bad.err());
  }

  @Test
  void unknownCommandsAndFlagsAreUsageErrors() {
    CliHarness.Result r = CliHarness.run("bogus");
    assertEquals(ExitCodes.USAGE, r.exitCode());
    assertTrue(r.err().startsWith("ERROR: "), r.err());
    assertEquals(1, r.err().lines().count(), "one line");
    assertEquals(ExitCodes.USAGE, CliHarness.run("version", "--nope").exitCode());
  }
}
