package dev.sbx.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.cred.BuiltinServices;
import dev.sbx.proxy.cred.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/proxy.md prints the balanced list and the services; keep both in step with the code. */
class DocsInStepTest {
  private static String doc() throws Exception {
    return Files.readString(Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("proxy.md"));
  }

  @Test
  void everyBalancedRuleIsDocumented() throws Exception {
    String doc = doc();
    for (Preset.Entry e : Preset.BALANCED.entries()) {
      assertTrue(doc.contains("`" + e.rule() + "`"), "docs/proxy.md lacks " + e.rule());
    }
  }

  @Test
  void everyServiceAndHostIsDocumented() throws Exception {
    String doc = doc();
    for (Service s : BuiltinServices.ALL) {
      assertTrue(doc.contains("| `" + s.name() + "` |"), "docs/proxy.md lacks service " + s.name());
      for (String h : s.hosts()) {
        assertTrue(doc.contains("`" + h + "`"), "docs/proxy.md lacks host " + h);
      }
    }
  }
}
