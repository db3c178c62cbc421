package dev.sbx.proxy.cred;

import java.util.List;
import java.util.Optional;

/** The services of sbx-cli.md §4.2; docs/proxy.md lists the same table. */
public final class BuiltinServices {
  private BuiltinServices() {}

  private static final List<String> BEARER = List.of("Bearer");

  public static final List<Service> ALL = List.of(
      new Service("anthropic", List.of("api.anthropic.com", "console.anthropic.com", "claude.ai",
          "mcp-proxy.anthropic.com"), "x-api-key", List.of()),
      new Service("openai", List.of("api.openai.com", "openai.com", "chatgpt.com", "www.chatgpt.com"),
          "authorization", BEARER),
      new Service("google", List.of("generativelanguage.googleapis.com", "oauth2.googleapis.com",
          "aiplatform.googleapis.com", "vertexai.googleapis.com"), "x-goog-api-key", List.of()),
      new Service("github", List.of("api.github.com", "github.com", "raw.githubusercontent.com", "gist.github.com",
          "copilot.github.com", "api.githubcopilot.com"), "authorization", List.of("Bearer", "token", "Basic")),
      new Service("mistral", List.of("api.mistral.ai"), "authorization", BEARER),
      new Service("groq", List.of("api.groq.com"), "authorization", BEARER),
      new Service("openrouter", List.of("openrouter.ai"), "authorization", BEARER),
      new Service("xai", List.of("api.x.ai"), "authorization", BEARER),
      new Service("nebius", List.of("api.studio.nebius.com", "api.tokenfactory.nebius.com"), "authorization", BEARER));

  public static Optional<Service> find(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return ALL.stream().map(Service::name).toList();
  }
}
