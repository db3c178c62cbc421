package dev.sbx.cli.sandbox;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The built-in agents (sbx-cli.md §5.1), each launched in its no-approval mode: the VM is the
 * safety boundary, not the agent's prompts.
 */
public enum Agent {
  CLAUDE("claude", List.of("claude", "--dangerously-skip-permissions"), "api.anthropic.com"),
  CODEX("codex", List.of("codex", "--dangerously-bypass-approvals-and-sandbox"), "api.openai.com"),
  GEMINI("gemini", List.of("gemini", "--yolo"), "generativelanguage.googleapis.com"),
  OPENCODE("opencode", List.of("opencode"), null),
  COPILOT("copilot", List.of("copilot", "--yolo"), "api.githubcopilot.com"),
  SHELL("shell", List.of("bash", "-l"), null);

  private final String id;
  private final List<String> launch;
  private final String apiHost;

  Agent(String id, List<String> launch, String apiHost) {
    this.id = id;
    this.launch = launch;
    this.apiHost = apiHost;
  }

  public String id() {
    return id;
  }

  /** The host the agent cannot work without, checked against the policy by {@code run}; may be null. */
  public String apiHost() {
    return apiHost;
  }

  public static boolean known(String text) {
    return Arrays.stream(values()).anyMatch(a -> a.id.equals(text));
  }

  public static Agent parse(String text) {
    for (Agent a : values()) {
      if (a.id.equals(text.toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new UserException("unknown agent '" + text + "'; use one of: " + names(), ExitCodes.USAGE);
  }

  public static String names() {
    return String.join(", ", Arrays.stream(values()).map(Agent::id).toList());
  }

  /**
   * The command line: extra arguments starting with {@code -} are appended to the default flags;
   * a bare word first replaces the flags and keeps the executable (sbx-cli.md §2.1).
   */
  public List<String> command(List<String> extra) {
    List<String> cmd = new ArrayList<>();
    if (extra.isEmpty() || extra.get(0).startsWith("-")) {
      cmd.addAll(launch);
    } else {
      cmd.add(launch.get(0));
    }
    cmd.addAll(extra);
    return cmd;
  }
}
