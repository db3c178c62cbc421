package dev.sbx.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md maps every attack case P1–P102 to its tests: every case must have a row, and
 * every {@code Class#method} named there must exist, so the table cannot drift from the suite.
 */
class ThreatTableTest {
  private static final Path MODULE = Path.of(System.getProperty("user.dir"));
  private static final Path TESTS = MODULE.resolve("src/test/java/dev/sbx/proxy");

  private static String table() throws IOException {
    String doc = Files.readString(MODULE.resolveSibling("docs").resolve("security.md"));
    int at = doc.indexOf("## Attack cases and their tests");
    assertTrue(at >= 0, "docs/security.md has no attack-case table");
    return doc.substring(at);
  }

  @Test
  void everyCaseHasARow() throws Exception {
    TreeSet<Integer> covered = new TreeSet<>();
    Matcher row = Pattern.compile("(?m)^\\| (P[0-9]+(?:[–,] ?P[0-9]+)?) \\|").matcher(table());
    while (row.find()) {
      Matcher n = Pattern.compile("P([0-9]+)").matcher(row.group(1));
      List<Integer> nums = new ArrayList<>();
      while (n.find()) {
        nums.add(Integer.parseInt(n.group(1)));
      }
      boolean range = row.group(1).contains("–");
      for (int i = nums.get(0); i <= nums.get(nums.size() - 1); i++) {
        if (range || nums.contains(i)) {
          covered.add(i);
        }
      }
    }
    List<Integer> missing = new ArrayList<>();
    for (int i = 1; i <= 102; i++) {
      if (!covered.contains(i)) {
        missing.add(i);
      }
    }
    assertEquals(List.of(), missing, "cases without a row in docs/security.md");
  }

  @Test
  void everyNamedTestExists() throws Exception {
    Matcher ref = Pattern.compile("`(?:([a-z]+)\\.)?([A-Z][A-Za-z]+Test)#([A-Za-z0-9]+)`").matcher(table());
    int checked = 0;
    while (ref.find()) {
      Path file = TESTS.resolve(ref.group(1) == null ? "server" : ref.group(1)).resolve(ref.group(2) + ".java");
      assertTrue(Files.exists(file), "no test class " + file);
      String src = Files.readString(file);
      assertTrue(src.contains(" void " + ref.group(3) + "("), ref.group(2) + " has no test " + ref.group(3));
      checked++;
    }
    assertTrue(checked > 90, "only " + checked + " test references found");
  }
}
