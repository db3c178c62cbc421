package dev.sbx.cli.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The guest environment variables that carry the placeholder {@code proxy-managed} for each
 * service with a stored secret (sbx-cli.md §4.3); the proxy swaps in the real value on the way out.
 */
public final class Placeholders {
  public static final String VALUE = "proxy-managed";

  private static final Map<String, List<String>> VARS = Map.of(
      "anthropic", List.of("ANTHROPIC_API_KEY"),
      "openai", List.of("OPENAI_API_KEY"),
      "google", List.of("GEMINI_API_KEY", "GOOGLE_API_KEY"),
      "github", List.of("GH_TOKEN", "GITHUB_TOKEN"),
      "mistral", List.of("MISTRAL_API_KEY"),
      "groq", List.of("GROQ_API_KEY"),
      "openrouter", List.of("OPENROUTER_API_KEY"),
      "xai", List.of("XAI_API_KEY"),
      "nebius", List.of("NEBIUS_API_KEY"));

  private Placeholders() {}

  /** The variables for these services (those without a known variable get none). */
  public static Map<String, String> forServices(Set<String> services) {
    Map<String, String> env = new TreeMap<>();
    for (String s : services) {
      for (String var : VARS.getOrDefault(s, List.of())) {
        env.put(var, VALUE);
      }
    }
    return env;
  }
}
