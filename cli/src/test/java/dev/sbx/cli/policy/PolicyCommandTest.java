package dev.sbx.cli.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  @TempDir Path home;

  @Test
  void lifecycle() throws Exception {
    SbxProcess sbx = new SbxProcess(home);
    SbxProcess.Result init = sbx.run("policy", "init", "balanced");
    assertEquals(0, init.exit(), init.err());
    SbxProcess.Result again = sbx.run("policy", "init", "deny-all");
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("'balanced'"), again.err());

    SbxProcess.Result allow = sbx.run("policy", "allow", "network", "api.example.com, *.npmjs.org");
    assertEquals(0, allow.exit(), allow.err());
    assertTrue(allow.out().matches("(?s)\\w{8}  global  allow  api\\.example\\.com\\n\\w{8}  global  allow  \\*\\.npmjs\\.org\\n"),
        allow.out());

    byte[] before = Files.readAllBytes(home.resolve("config/policy.json"));
    SbxProcess.Result bad = sbx.run("policy", "allow", "network", "ok.example,a*.b.com");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().startsWith("ERROR: invalid rule 'a*.b.com'"), bad.err());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("config/policy.json"))), "nothing written");

    assertEquals(0, sbx.run("policy", "deny", "network", "--sandbox", "sb1", "pypi.org").exit());
    SbxProcess.Result ls = sbx.run("policy", "ls", "sb1");
    assertTrue(ls.out().startsWith("Preset: balanced\nID"), ls.out());
    assertTrue(ls.out().contains("sandbox:sb1") && ls.out().contains("preset:balanced"), ls.out());

    SbxProcess.Result allowed = sbx.run("policy", "check", "network", "https://api.anthropic.com/v1/messages");
    assertEquals(0, allowed.exit());
    assertTrue(allowed.out().startsWith("Allowed: api.anthropic.com:443 (rule "), allowed.out());
    SbxProcess.Result denied = sbx.run("policy", "check", "network", "--sandbox", "sb1", "pypi.org");
    assertEquals(1, denied.exit());
    assertTrue(denied.out().startsWith("Denied: pypi.org:443 ("), denied.out());
    assertEquals("Denied: example.com:443 (default deny)\n", sbx.run("policy", "check", "network", "example.com").out());
    assertEquals(0, sbx.run("policy", "allow", "network", "--sandbox", "sb2", "**").exit());
    SbxProcess.Result meta = sbx.run("policy", "check", "network", "--sandbox", "sb2", "169.254.169.254:80", "--json");
    assertTrue(meta.out().contains("\"allowed\":false") && meta.out().contains("address-class"), meta.out());
    assertEquals(2, sbx.run("policy", "check", "network", "0177.0.0.1").exit());

    SbxProcess.Result noForce = sbx.run("policy", "rm", "network", "--resource", "api.example.com");
    assertEquals(1, noForce.exit());
    assertEquals("ERROR: stdin is not a terminal; use --force to skip confirmation\n", noForce.err());
    assertEquals(2, sbx.run("policy", "rm", "network", "-f").exit());
    assertEquals(0, sbx.run("policy", "rm", "network", "--resource", "API.example.com", "-f").exit());
    assertEquals(1, sbx.run("policy", "rm", "network", "--resource", "api.example.com", "-f").exit());
    assertFalse(sbx.run("policy", "ls").out().contains("api.example.com"));

    assertEquals(0, sbx.run("policy", "reset", "-f").exit());
    SbxProcess.Result json = sbx.run("policy", "ls", "--json");
    assertEquals("{\"preset\":null,\"rules\":[]}\n", json.out());
  }

  @Test
  void logAggregatesDecisionRecords() throws Exception {
    Path log = home.resolve("data/proxy/_global/proxy.log");
    Files.createDirectories(log.getParent());
    String line = "{\"time\":\"2026-11-22T10:15:23.412Z\",\"method\":\"CONNECT\",\"host\":\"%s\",\"port\":443,"
        + "\"decision\":\"%s\",\"reason\":\"%s\",\"mode\":\"tunnel\"}\n";
    Files.writeString(log, String.format(line, "a.example", "deny", "default-deny")
        + String.format(line, "a.example", "deny", "default-deny") + String.format(line, "pypi.org", "allow", "rule"));
    SbxProcess.Result r = new SbxProcess(home).run("policy", "log");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("Blocked requests:\nSANDBOX"), r.out());
    assertTrue(r.out().matches("(?s).*a\\.example:443\\s+tunnel\\s+-\\s+default-deny\\s+.*\\s2\\n.*Allowed requests:.*pypi\\.org:443.*"),
        r.out());
  }
}
