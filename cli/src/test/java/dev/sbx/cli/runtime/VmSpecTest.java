package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmSpecTest {
  @TempDir Path dir;

  private static VmSpec spec() {
    return new VmSpec("claude-repo-1", "claude-repo", "tcg", 2, 2L << 30, 8L << 30,
        List.of(new VmSpec.WorkspaceMount("/home/u/repo", false), new VmSpec.WorkspaceMount("/home/u/docs", true)),
        Map.of("ANTHROPIC_API_KEY", "proxy-managed"), List.of("8080:80"));
  }

  @Test
  void writesPrivatelyAndReadsBackEqual() throws Exception {
    Path f = dir.resolve("vm.json");
    spec().write(f);
    assertEquals(spec(), VmSpec.read(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (var s = Files.list(dir)) {
      assertEquals(List.of(f), s.toList(), "no temp file left");
    }
  }

  @Test
  void unknownFieldsAreIgnoredAndMissingListsAreEmpty() throws Exception {
    VmSpec s = VmSpec.fromJson("{\"sandboxId\":\"a\",\"name\":\"a\",\"engine\":\"kvm\",\"cpus\":1,"
        + "\"memoryBytes\":268435456,\"dataDiskBytes\":1073741824,\"future\":true}");
    assertEquals(List.of(), s.workspaces());
    assertEquals(Map.of(), s.environment());
    assertEquals(List.of(), s.publish());
  }

  @Test
  void aDottedNameKeepsItsDotsForTheProxyScopeAndTheHostnameUsesHyphens() throws Exception {
    VmSpec s = VmSpec.fromJson("{\"sandboxId\":\"a\",\"name\":\"shell-my.app\",\"engine\":\"tcg\",\"cpus\":1,"
        + "\"memoryBytes\":268435456,\"dataDiskBytes\":1073741824}");
    assertEquals("shell-my.app", s.name());
    assertEquals("shell-my-app", s.hostname());
  }

  private String failure(String json) throws IOException {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, json);
    IOException e = assertThrows(IOException.class, () -> VmSpec.read(f));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void badFilesFailWithOneLineNamingTheProblem() throws Exception {
    String base = "\"sandboxId\":\"a\",\"name\":\"a\",\"cpus\":1,\"memoryBytes\":268435456,\"dataDiskBytes\":1073741824";
    assertTrue(failure("{" + base + ",\"engine\":\"hvf\"}").contains("engine 'hvf'"));
    assertTrue(failure("{" + base.replace("\"cpus\":1", "\"cpus\":0") + ",\"engine\":\"tcg\"}").contains("cpus 0"));
    assertTrue(failure("{" + base + ",\"engine\":\"tcg\",\"workspaces\":[{\"hostPath\":\"/a/../etc\"}]}")
        .contains("without '..'"));
    assertTrue(failure("{" + base.replace("\"a\",\"name\"", "\"../x\",\"name\"") + ",\"engine\":\"tcg\"}")
        .contains("bad sandbox id"));
    assertTrue(failure("{" + base.replace("\"name\":\"a\"", "\"name\":\"-bad\"") + ",\"engine\":\"tcg\"}")
        .contains("bad sandbox name"));
    assertTrue(failure("{\"sandboxId\":").contains("not a valid VM spec"));
    assertTrue(failure("[]").contains("not a valid VM spec"));
  }

  @Test
  void missingAndHugeFilesAreRefused() throws Exception {
    assertTrue(assertThrows(IOException.class, () -> VmSpec.read(dir.resolve("none.json"))).getMessage()
        .contains("does not exist"));
    Path big = dir.resolve("big.json");
    Files.write(big, new byte[(1 << 20) + 1]);
    assertTrue(assertThrows(IOException.class, () -> VmSpec.read(big)).getMessage().contains("larger than 1 MiB"));
  }

  @Test
  void memoryAndDiskBoundsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new VmSpec("a", "a", "tcg", 1, 100L << 20, 1L << 30,
        null, null, null));
    assertThrows(IllegalArgumentException.class, () -> new VmSpec("a", "a", "tcg", 1, (256L << 20) + 1, 1L << 30,
        null, null, null));
    assertThrows(IllegalArgumentException.class, () -> new VmSpec("a", "a", "tcg", 1, 256L << 20, 1L << 20,
        null, null, null));
  }
}
