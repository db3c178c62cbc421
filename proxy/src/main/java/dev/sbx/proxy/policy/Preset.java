package dev.sbx.proxy.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The three presets of {@code sbx policy init} (sbx-cli.md §3.1). */
public enum Preset {
  /** Same as allowing {@code **}. */
  ALLOW_ALL("allow-all"),
  /** Default deny plus the versioned allowlist in {@code balanced.txt}. */
  BALANCED("balanced"),
  /** No rule at all: default deny for everything. */
  DENY_ALL("deny-all");

  /** One preset entry: its group and rule text. */
  public record Entry(String group, String rule) {}

  private final String id;

  Preset(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Preset fromId(String id) {
    for (Preset p : values()) {
      if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown preset '" + id + "'; use allow-all, balanced or deny-all");
  }

  /** The allow rules this preset installs. */
  public List<Entry> entries() {
    return switch (this) {
      case ALLOW_ALL -> List.of(new Entry("all", "**"));
      case DENY_ALL -> List.of();
      case BALANCED -> balanced();
    };
  }

  private static List<Entry> balanced() {
    List<Entry> out = new ArrayList<>();
    try (InputStream in = Preset.class.getResourceAsStream("balanced.txt")) {
      if (in == null) {
        throw new IllegalStateException("balanced.txt missing from the proxy jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        line = line.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int sp = line.indexOf(' ');
        out.add(new Entry(line.substring(0, sp), line.substring(sp + 1).strip()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
