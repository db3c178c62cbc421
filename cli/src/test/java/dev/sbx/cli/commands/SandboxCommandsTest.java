package dev.sbx.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sbx.cli.SbxProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox commands as real processes without a VM: parsing, errors, exit codes, JSON shapes. */
class SandboxCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  @TempDir Path work;

  private SbxProcess sbx() {
    return new SbxProcess(home);
  }

  private static void assertResult(SbxProcess.Result r, int exit, String errLine) {
    assertEquals(exit, r.exit(), r.out() + r.err());
    if (errLine != null) {
      assertEquals("ERROR: " + errLine + "\n", r.err());
    }
  }

  @Test
  void createListRemoveLifecycle() throws Exception {
    SbxProcess sbx = sbx();
    Path proj = Files.createDirectories(work.resolve("my proj"));
    Path docs = Files.createDirectories(work.resolve("docs"));
    assertResult(sbx.run("create", "shell", proj.toString()), 1,
        "no network policy yet; run \"sbx policy init balanced\" (or allow-all, deny-all)");
    assertFalse(Files.exists(home.resolve("data/sandboxes")) && Files.list(home.resolve("data/sandboxes"))
        .anyMatch(Files::isDirectory), "nothing created");
    assertEquals(0, sbx.run("policy", "init", "deny-all").exit());

    SbxProcess.Result created = sbx.run("create", "-q", "shell", proj.toString(), docs + ":ro", "-e", "FOO=bar",
        "-p", "8080:3000", "-m", "1g", "--cpus", "1");
    assertResult(created, 0, null);
    assertEquals("shell-my-proj\n", created.out());
    SbxProcess.Result again = sbx.run("create", "shell", proj.toString());
    assertResult(again, 1, "the name 'shell-my-proj' is taken by another sandbox; choose another with --name");
    SbxProcess.Result claude = sbx.run("create", "--name", "c1", "claude");
    assertResult(claude, 0, null);
    assertTrue(claude.out().contains("To connect to this sandbox, run: sbx run --name c1"), claude.out());
    assertEquals("warning: the network policy blocks api.anthropic.com, which claude needs; allow it with: "
        + "sbx policy allow network api.anthropic.com\n", claude.err());

    JsonNode ls = JSON.readTree(sbx.run("ls", "--json").out());
    assertEquals(2, ls.get("sandboxes").size());
    JsonNode c1 = ls.get("sandboxes").get(0);
    assertEquals("c1", c1.get("name").asText());
    assertEquals(0, c1.get("workspaces").size());
    JsonNode s = ls.get("sandboxes").get(1);
    assertEquals(List.of("id", "name", "agent", "status", "status_reason", "created_at", "last_used_at", "workspaces",
        "workspace_missing", "cpus", "memory_mib", "engine", "sbx_version", "image_version", "ports"),
        iterate(s.fieldNames()));
    assertEquals("shell", s.get("agent").asText());
    assertEquals("created", s.get("status").asText());
    assertTrue(s.get("status_reason").isNull());
    assertTrue(s.get("id").asText().matches("[0-9a-f-]{36}"));
    assertTrue(s.get("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
    assertEquals(JSON.readTree("[{\"path\":\"" + proj + "\",\"read_only\":false,\"primary\":true},"
        + "{\"path\":\"" + docs + "\",\"read_only\":true,\"primary\":false}]"), s.get("workspaces"));
    assertFalse(s.get("workspace_missing").asBoolean());
    assertEquals(1, s.get("cpus").asInt());
    assertEquals(1024, s.get("memory_mib").asInt());
    assertEquals(JSON.readTree("[{\"host_ip\":\"127.0.0.1\",\"host_port\":8080,\"sandbox_port\":3000,"
        + "\"protocol\":\"tcp4\"}]"), s.get("ports"));

    String table = sbx.run("ls").out();
    assertTrue(table.startsWith("SANDBOX        AGENT   STATUS   PORTS                      WORKSPACE\n"), table);
    assertTrue(table.contains("shell-my-proj  shell   created  127.0.0.1:8080->3000/tcp4  " + proj), table);
    assertEquals("c1\nshell-my-proj\n", sbx.run("ls", "-q").out());
    assertResult(sbx.run("stop", "c1"), 0, null);

    assertEquals(0, sbx.input("sk-ant-0123456789abcdef\n", "secret", "set", "anthropic", "--sandbox", "c1").exit());
    assertEquals(0, sbx.run("policy", "allow", "network", "--sandbox", "c1", "api.anthropic.com").exit());
    assertResult(sbx.run("rm", "c1"), 1, "stdin is not a terminal; use --force to skip confirmation");
    Path c1Dir = home.resolve("data/sandboxes").resolve(c1.get("id").asText());
    assertTrue(Files.isDirectory(c1Dir.resolve("ssh")));
    SbxProcess.Result rm = sbx.run("rm", "-f", "c1", "nosuch");
    assertResult(rm, 1, "no sandbox named 'nosuch'; see 'sbx ls'");
    assertEquals("Removed c1\n", rm.out());
    assertFalse(Files.exists(c1Dir));
    assertFalse(sbx.run("secret", "ls").out().contains("c1"));
    assertFalse(sbx.run("policy", "ls").out().contains("sandbox:c1"));
    assertTrue(Files.isDirectory(proj), "the workspace is never touched");

    JsonNode dry = JSON.readTree(sbx.run("prune", "--dry-run", "--json").out());
    assertEquals("shell-my-proj", dry.get("sandboxes").get(0).get("name").asText());
    assertResult(sbx.run("prune", "--json"), 2, "--json works only with --dry-run");
    assertResult(sbx.run("prune", "-f", "--filter", "until=2000-01-01T00:00:00Z"), 0, null);
    assertEquals(1, JSON.readTree(sbx.run("ls", "--json").out()).get("sandboxes").size());
    assertResult(sbx.run("prune", "-f"), 0, null);
    assertEquals("No sandboxes yet. Start one with: sbx run claude .\n", sbx.run("ls").out());
    assertEquals("{\"sandboxes\":[]}\n", sbx.run("ls", "--json").out());
  }

  @Test
  void usageErrorsTouchNothing() throws Exception {
    SbxProcess sbx = sbx();
    assertEquals(0, sbx.run("policy", "init", "allow-all").exit());
    Path proj = Files.createDirectories(work.resolve("p"));
    String p = proj.toString();
    assertResult(sbx.run("create", "cursor", p), 2,
        "unknown agent 'cursor'; use one of: claude, codex, gemini, opencode, copilot, shell");
    assertResult(sbx.run("create", "--name", "x_y", "shell", p), 2,
        "invalid sandbox name 'x_y': use 2-63 letters, digits, '-' and '.', starting and ending with a letter or digit");
    assertResult(sbx.run("create", "--name", "default", "shell", p), 2,
        "invalid sandbox name 'default': 'default' is reserved");
    assertResult(sbx.run("create", "-p", "99999", "shell", p), 2,
        "bad publish spec '99999': '99999' is not a port (1-65535)");
    assertResult(sbx.run("create", "-m", "100m", "shell", p), 2, "--memory 100m is below the minimum of 512m");
    assertResult(sbx.run("create", "--cpus", "4096", "shell", p), 2, null);
    assertResult(sbx.run("create", "-e", "1BAD=x", "shell", p), 2,
        "invalid environment variable name '1BAD'; use letters, digits and '_'");
    assertResult(sbx.run("create", "--engine", "vbox", "shell", p), 2, null);
    assertResult(sbx.run("create", "shell", p + ":ro"), 2,
        "primary workspace must be read/write (remove ':ro' or ':readonly')");
    assertResult(sbx.run("create", "shell", work.resolve("missing").toString()), 1,
        "workspace " + work.resolve("missing") + " does not exist or is not a directory; create it or fix the path");
    assertResult(sbx.run("create", "shell", "/"), 2, "cannot derive a sandbox name from '/'; give one with --name");
    assertResult(sbx.run("create"), 2, null);
    assertResult(sbx.run("run", "cursor"), 2, null);
    assertResult(sbx.run("rm"), 2, "name the sandboxes to remove, or use --all");
    assertResult(sbx.run("rm", "--all", "x"), 2, "give either --all or sandbox names, not both");
    assertResult(sbx.run("exec", "nosuch", "true"), 1, "no sandbox named 'nosuch'; see 'sbx ls'");
    assertResult(sbx.run("exec", "-t", "nosuch", "true"), 1, "the input device is not a TTY");
    assertResult(sbx.run("exec", "nosuch"), 2, null);
    assertResult(sbx.run("stop", "nosuch"), 1, "no sandbox named 'nosuch'; see 'sbx ls'");
    assertResult(sbx.run("prune", "--filter", "before=1h"), 2, "bad --filter 'before=1h'; use until=WHEN");
    assertResult(sbx.run("completion", "powershell"), 2, "unknown shell 'powershell'; use bash, zsh or fish");
    assertEquals("{\"sandboxes\":[]}\n", sbx.run("ls", "--json").out());
  }

  @Test
  void execStopsOptionParsingAtTheCommand() throws Exception {
    // `-c` and `--help` after the command belong to the command, so the error is about the sandbox.
    assertResult(sbx().run("exec", "nosuch", "bash", "-c", "--help"), 1, "no sandbox named 'nosuch'; see 'sbx ls'");
  }

  @Test
  void completionScripts() throws Exception {
    SbxProcess sbx = sbx();
    SbxProcess.Result bash = sbx.run("completion", "bash");
    assertEquals(0, bash.exit());
    assertTrue(bash.out().contains("complete -F _complete_sbx"), bash.out().substring(0, 200));
    assertTrue(bash.out().contains("--publish"));
    // The script parses in bash.
    Path script = Files.writeString(work.resolve("sbx.bash"), bash.out());
    Process check = new ProcessBuilder("bash", "-n", script.toString()).start();
    assertEquals(0, check.waitFor(), new String(check.getErrorStream().readAllBytes()));
    SbxProcess.Result fish = sbx.run("completion", "fish");
    assertTrue(fish.out().contains("complete -c sbx -n __fish_use_subcommand -a run"), fish.out());
    assertTrue(fish.out().contains("-a '(sbx ls -q 2>/dev/null)'"));
    assertEquals(0, sbx.run("completion", "zsh").exit());
  }

  @Test
  void diagnoseJsonShape() throws Exception {
    SbxProcess.Result r = sbx().run("diagnose", "--json");
    JsonNode d = JSON.readTree(r.out());
    assertEquals(List.of("version", "checks", "summary"), iterate(d.fieldNames()));
    assertEquals(List.of("pass", "warn", "fail", "skip"), iterate(d.get("summary").fieldNames()));
    JsonNode policy = null;
    for (JsonNode c : d.get("checks")) {
      assertEquals(List.of("name", "status", "message", "hint"), iterate(c.fieldNames()));
      if (c.get("name").asText().equals("policy")) {
        policy = c;
      }
    }
    assertEquals("fail", policy.get("status").asText(), "no policy yet in a fresh home");
    assertEquals(1, r.exit(), "a failed check fails diagnose");
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

}
