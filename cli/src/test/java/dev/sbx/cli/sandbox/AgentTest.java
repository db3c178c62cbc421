package dev.sbx.cli.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.cli.UserException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentTest {
  @Test
  void noApprovalModesAndArgumentRules() {
    assertEquals(List.of("claude", "--dangerously-skip-permissions"), Agent.CLAUDE.command(List.of()));
    assertEquals(List.of("claude", "--dangerously-skip-permissions", "-p", "hi"), Agent.CLAUDE.command(List.of("-p", "hi")));
    assertEquals(List.of("claude", "mcp", "list"), Agent.CLAUDE.command(List.of("mcp", "list")));
    assertEquals(List.of("codex", "--dangerously-bypass-approvals-and-sandbox"), Agent.CODEX.command(List.of()));
    assertEquals(List.of("gemini", "--yolo"), Agent.GEMINI.command(List.of()));
    assertEquals(List.of("copilot", "--yolo"), Agent.COPILOT.command(List.of()));
    assertEquals(List.of("opencode"), Agent.OPENCODE.command(List.of()));
    assertEquals(List.of("bash", "-l", "-c", "make test"), Agent.SHELL.command(List.of("-c", "make test")));
    UserException e = assertThrows(UserException.class, () -> Agent.parse("cursor"));
    assertEquals(2, e.exitCode());
    assertEquals("unknown agent 'cursor'; use one of: claude, codex, gemini, opencode, copilot, shell", e.getMessage());
  }
}
