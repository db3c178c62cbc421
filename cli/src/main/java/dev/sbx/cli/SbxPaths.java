package dev.sbx.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where sbx keeps its state (design §6). {@code SBX_HOME} puts config, data and cache under one
 * root; otherwise each follows the platform convention.
 */
public record SbxPaths(Path config, Path data, Path cache) {

  public static SbxPaths fromEnvironment() {
    return from(System.getenv(), System.getProperty("os.name"), Path.of(System.getProperty("user.home")));
  }

  static SbxPaths from(Map<String, String> env, String osName, Path home) {
    String sbxHome = env.get("SBX_HOME");
    if (sbxHome != null && !sbxHome.isBlank()) {
      Path root = Path.of(sbxHome).toAbsolutePath().normalize();
      return new SbxPaths(root.resolve("config"), root.resolve("data"), root.resolve("cache"));
    }
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("mac")) {
      Path support = home.resolve("Library/Application Support/sbx");
      return new SbxPaths(support, support, home.resolve("Library/Caches/sbx"));
    }
    if (os.contains("win")) {
      Path appData = Path.of(env.getOrDefault("APPDATA", home.resolve("AppData/Roaming").toString()));
      Path local = Path.of(env.getOrDefault("LOCALAPPDATA", home.resolve("AppData/Local").toString()));
      return new SbxPaths(appData.resolve("sbx"), local.resolve("sbx"), local.resolve("sbx").resolve("cache"));
    }
    return new SbxPaths(
        xdg(env, "XDG_CONFIG_HOME", home.resolve(".config")).resolve("sbx"),
        xdg(env, "XDG_DATA_HOME", home.resolve(".local/share")).resolve("sbx"),
        xdg(env, "XDG_CACHE_HOME", home.resolve(".cache")).resolve("sbx"));
  }

  private static Path xdg(Map<String, String> env, String key, Path fallback) {
    String value = env.get(key);
    // The XDG spec says relative values are invalid and must be ignored.
    return value != null && !value.isBlank() && Path.of(value).isAbsolute() ? Path.of(value) : fallback;
  }

  public Path logs() {
    return data.resolve("logs");
  }
}
