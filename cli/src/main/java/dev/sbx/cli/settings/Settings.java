package dev.sbx.cli.settings;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sbx.cli.ByteSize;
import dev.sbx.cli.DurationParser;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.Engines;
import dev.sbx.proxy.net.ResolveOverrides;
import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The user's settings (sbx-cli.md §2.13): precedence environment ({@code SBX_<KEY>}) over the
 * stored override ({@code settings.json} under the config dir) over the default. Read-only
 * snapshot; {@link #set} and {@link #unset} write the override file atomically.
 *
 * <pre>{@code
 * Settings s = Settings.load(SbxPaths.fromEnvironment());
 * Duration idle = s.idleStop();
 * }</pre>
 */
public final class Settings {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Where a value came from. */
  public enum Source { DEFAULT, ENV, OVERRIDE;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One resolved setting. */
  public record Value(SettingKey key, String value, Source source) {}

  private final Path file;
  private final Map<String, String> env;
  private final Map<String, String> overrides;

  private Settings(Path file, Map<String, String> env, Map<String, String> overrides) {
    this.file = file;
    this.env = env;
    this.overrides = overrides;
  }

  public static Settings load(SbxPaths paths) {
    return load(paths, System.getenv());
  }

  /** With an explicit environment (tests). */
  public static Settings load(SbxPaths paths, Map<String, String> env) {
    Path file = paths.config().resolve("settings.json");
    return new Settings(file, Map.copyOf(env), readOverrides(file));
  }

  private static Map<String, String> readOverrides(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      Map<String, String> m = JSON.readValue(bytes, new TypeReference<TreeMap<String, String>>() { });
      return m == null ? Map.of() : m;
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new UserException(file + " is not valid settings JSON; fix it or delete it to use the defaults");
    }
  }

  public Path file() {
    return file;
  }

  /** The value in force for {@code key} and where it came from. */
  public Value get(SettingKey key) {
    String fromEnv = env.get(key.envVar());
    if (fromEnv != null) {
      return new Value(key, fromEnv, Source.ENV);
    }
    String stored = overrides.get(key.key());
    if (stored != null) {
      return new Value(key, stored, Source.OVERRIDE);
    }
    return new Value(key, key.defaultValue(), Source.DEFAULT);
  }

  private String checked(SettingKey key) {
    Value v = get(key);
    try {
      key.validate(v.value());
    } catch (IllegalArgumentException e) {
      String where = v.source() == Source.ENV ? "environment variable " + key.envVar() : "setting " + key.key();
      throw new UserException(where + ": " + e.getMessage(), ExitCodes.USAGE);
    }
    return v.value();
  }

  /** The configured engine's id, or null for {@code auto}. */
  public String engine() {
    return Engines.parse(checked(SettingKey.ENGINE));
  }

  /** Idle time before a sandbox stops; {@link Duration#ZERO} means never. */
  public Duration idleStop() {
    return DurationParser.parse(checked(SettingKey.SANDBOX_IDLE_STOP));
  }

  /** Data disk size of new sandboxes, in bytes. */
  public long diskSize() {
    return ByteSize.parse(checked(SettingKey.SANDBOX_DISK_SIZE));
  }

  /** The {@code proxy.resolve} entries. */
  public ResolveOverrides proxyResolve() {
    return ResolveOverrides.parse(checked(SettingKey.PROXY_RESOLVE));
  }

  /** The extra upstream CA bundle, if set. */
  public Optional<Path> proxyUpstreamCa() {
    String v = checked(SettingKey.PROXY_UPSTREAM_CA);
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }

  /** Stores an override after checking its type ({@link IllegalArgumentException} if wrong). */
  public void set(SettingKey key, String value) throws IOException {
    key.validate(value);
    Map<String, String> next = new TreeMap<>(readOverrides(file));
    next.put(key.key(), value);
    AtomicFiles.write(file, JSON.writeValueAsBytes(next), false);
  }

  /** Removes the override; returns false if there was none. */
  public boolean unset(SettingKey key) throws IOException {
    Map<String, String> next = new TreeMap<>(readOverrides(file));
    if (next.remove(key.key()) == null) {
      return false;
    }
    AtomicFiles.write(file, JSON.writeValueAsBytes(next), false);
    return true;
  }
}
