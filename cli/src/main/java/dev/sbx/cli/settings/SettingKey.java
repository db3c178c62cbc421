package dev.sbx.cli.settings;

import dev.sbx.cli.ByteSize;
import dev.sbx.cli.DurationParser;
import dev.sbx.cli.engine.Engines;
import dev.sbx.proxy.net.ResolveOverrides;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/** Every setting of sbx-cli.md §2.13: name, type, default, meaning and how values are checked. */
public enum SettingKey {
  ENGINE("engine", "string", "auto", "CPU engine: auto, kvm, hvf, whp or tcg (auto falls back to tcg with a warning)",
      Engines::parse),
  SANDBOX_IDLE_STOP("sandbox.idleStop", "duration", "60s",
      "stop a sandbox this long after its last session ends; 0 = never", DurationParser::parse),
  SANDBOX_DISK_SIZE("sandbox.disk.size", "size", "30g", "size of the sparse data disk of new sandboxes",
      v -> {
        if (ByteSize.parse(v) < (1L << 30)) {
          throw new IllegalArgumentException("disk size '" + v + "' is below 1g");
        }
      }),
  PROXY_RESOLVE("proxy.resolve", "string", "",
      "HOST[:PORT]=ADDRESS[:PORT],... consulted before DNS (like curl --resolve); passes the address-class check,"
          + " domain policy still applies", ResolveOverrides::parse),
  PROXY_UPSTREAM_CA("proxy.upstream-ca", "path", "", "extra PEM bundle trusted for upstream TLS",
      v -> {
        if (!v.isEmpty() && !Path.of(v).isAbsolute()) {
          throw new IllegalArgumentException("proxy.upstream-ca must be an absolute path, got '" + v + "'");
        }
      });

  private final String key;
  private final String type;
  private final String defaultValue;
  private final String description;
  private final Consumer<String> validator;

  SettingKey(String key, String type, String defaultValue, String description, Consumer<String> validator) {
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.description = description;
    this.validator = validator;
  }

  public String key() {
    return key;
  }

  public String type() {
    return type;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  /** {@code SBX_} + key upper-cased, with {@code .}, {@code -} and camel-case humps as {@code _}. */
  public String envVar() {
    StringBuilder b = new StringBuilder("SBX_");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.' || c == '-') {
        b.append('_');
      } else if (Character.isUpperCase(c)) {
        b.append('_').append(c);
      } else {
        b.append(Character.toUpperCase(c));
      }
    }
    return b.toString();
  }

  /** Throws {@link IllegalArgumentException} with a one-line reason if the value has the wrong type. */
  public void validate(String value) {
    if (value.isEmpty() && defaultValue.isEmpty()) {
      return;
    }
    validator.accept(value);
  }

  public static Optional<SettingKey> find(String key) {
    for (SettingKey k : values()) {
      if (k.key.equals(key)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** The known key nearest to a mistyped one (edit distance), for "did you mean". */
  public static SettingKey closest(String key) {
    SettingKey best = ENGINE;
    int bestD = Integer.MAX_VALUE;
    for (SettingKey k : values()) {
      int d = distance(key.toLowerCase(Locale.ROOT), k.key.toLowerCase(Locale.ROOT));
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  }

  public static List<String> keys() {
    return List.of(values()).stream().map(SettingKey::key).toList();
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
