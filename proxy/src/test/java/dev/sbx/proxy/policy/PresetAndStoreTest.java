package dev.sbx.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PresetAndStoreTest {
  @TempDir Path dir;

  @Test
  void balancedEntriesAllParseAndAreUnique() throws Exception {
    List<Preset.Entry> entries = Preset.BALANCED.entries();
    assertTrue(entries.size() > 100, "balanced has " + entries.size());
    Set<String> seen = new HashSet<>();
    for (Preset.Entry e : entries) {
      String canonical = RuleParser.parse(e.rule()).canonical();
      assertEquals(e.rule(), canonical, "resource must be written canonically");
      assertTrue(seen.add(canonical), "duplicate " + canonical);
    }
    assertTrue(seen.contains("api.anthropic.com:443"));
    assertTrue(seen.contains("opencode.ai:443"));
    assertFalse(seen.stream().anyMatch(s -> s.contains("amazonaws")), "no cloud-infrastructure group");
  }

  @Test
  void presetsDecide() throws Exception {
    Destination anthropic = Destinations.parseAuthority("api.anthropic.com:443");
    Destination evil = Destinations.parseAuthority("evil.example:443");
    PolicyStore store = new PolicyStore(dir.resolve("a"));
    store.init(Preset.BALANCED);
    CompiledPolicy balanced = CompiledPolicy.compile(store.load(), null);
    assertTrue(balanced.decide(anthropic).allowed());
    assertFalse(balanced.decide(evil).allowed());
    assertFalse(balanced.decide(Destinations.parseAuthority("api.anthropic.com:80")).allowed());

    PolicyStore all = new PolicyStore(dir.resolve("b"));
    all.init(Preset.ALLOW_ALL);
    assertTrue(CompiledPolicy.compile(all.load(), null).decide(evil).allowed());

    PolicyStore none = new PolicyStore(dir.resolve("c"));
    none.init(Preset.DENY_ALL);
    assertEquals("deny-all", none.load().preset());
    assertTrue(none.load().rules().isEmpty());
    assertFalse(CompiledPolicy.compile(none.load(), null).decide(anthropic).allowed());
  }

  @Test
  void initTwiceRefusedAndResetStartsOver() throws Exception {
    PolicyStore store = new PolicyStore(dir);
    store.init(Preset.DENY_ALL);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.init(Preset.BALANCED));
    assertTrue(e.getMessage().contains("deny-all"));
    store.reset();
    assertEquals(null, store.load().preset());
    store.init(Preset.BALANCED);
    assertEquals("balanced", store.load().preset());
  }

  @Test
  void addRemoveRoundTrip() throws Exception {
    PolicyStore store = new PolicyStore(dir);
    List<Rule> added = store.add("sb", Rule.Decision.DENY, RuleParser.parseList("Pypi.org,10.0.0.0/8"));
    assertEquals(2, added.size());
    PolicyDocument doc = store.load();
    assertEquals("pypi.org", doc.rules().get(0).resource());
    assertEquals("sb", doc.rules().get(0).sandbox());
    assertEquals(Rule.Decision.DENY, doc.rules().get(1).decision());
    assertEquals(1, store.remove(List.of(added.get(0))));
    assertEquals(1, store.load().rules().size());
  }

  @Test
  void brokenFileIsReportedNotIgnored() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("policy.json"), "{\"version\":1,\"rules\":[{\"id\":\"x\",\"decision\":\"allow\",\"resource\":\"a*.b.com\"}]}");
    IOException e = assertThrows(IOException.class, () -> new PolicyStore(dir).load());
    assertTrue(e.getMessage().contains("policy reset"), e.getMessage());
    Files.writeString(dir.resolve("policy.json"), "{not json");
    assertThrows(IOException.class, () -> new PolicyStore(dir).load());
  }

  @Test
  void noTempFilesLeftBehind() throws Exception {
    PolicyStore store = new PolicyStore(dir);
    store.init(Preset.BALANCED);
    try (var s = Files.list(dir)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")));
    }
  }
}
