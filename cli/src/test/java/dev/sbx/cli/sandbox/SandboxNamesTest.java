package dev.sbx.cli.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.cli.UserException;
import org.junit.jupiter.api.Test;

class SandboxNamesTest {
  @Test
  void derivedFromAgentAndWorkdirKeepingCase() {
    assertEquals("claude-my-project", SandboxNames.derive("claude", "/home/u/src/my-project"));
    assertEquals("claude-Wikimedia", SandboxNames.derive("claude", "/src/Wikimedia/"));
    assertEquals("shell-a-b-c", SandboxNames.derive("shell", "/x/a b_c"));
    assertEquals("shell-workspace", SandboxNames.derive("shell", null));
    assertEquals("shell-v1.2", SandboxNames.derive("shell", "/x/v1.2..."));
    assertEquals(63, SandboxNames.derive("shell", "/x/" + "a".repeat(100)).length());
    UserException root = assertThrows(UserException.class, () -> SandboxNames.derive("shell", "/"));
    assertEquals(2, root.exitCode());
    assertEquals("cannot derive a sandbox name from '/'; give one with --name", root.getMessage());
  }

  @Test
  void rulesOfTheReference() {
    assertNull(SandboxNames.problem("ab"));
    assertNull(SandboxNames.problem("my.sandbox-2"));
    assertNotNull(SandboxNames.problem("a"));
    assertNotNull(SandboxNames.problem("default"));
    assertNotNull(SandboxNames.problem("DEFAULT"));
    assertNotNull(SandboxNames.problem("-ab"));
    assertNotNull(SandboxNames.problem("ab-"));
    assertNotNull(SandboxNames.problem("a_b"));
    assertNotNull(SandboxNames.problem("a+b"));
    assertNotNull(SandboxNames.problem("a..b"));
    assertNotNull(SandboxNames.problem("a/b"));
    assertNotNull(SandboxNames.problem("a".repeat(64)));
    assertNull(SandboxNames.problem("a".repeat(63)));
    assertEquals(2, assertThrows(UserException.class, () -> SandboxNames.check("x")).exitCode());
  }
}
