package dev.sbx.cli.sandbox;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Lifecycle states of sbx-cli.md §1.2. */
public enum SandboxState {
  CREATED, STARTING, RUNNING, STOPPING, STOPPED, ERROR;

  @JsonValue
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SandboxState parse(String text) {
    return valueOf(text.toUpperCase(Locale.ROOT));
  }

  /** States in which a VMM process should exist. */
  public boolean live() {
    return this == STARTING || this == RUNNING || this == STOPPING;
  }
}
