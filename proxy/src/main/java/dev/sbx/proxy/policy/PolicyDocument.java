package dev.sbx.proxy.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The stored policy: the preset chosen with {@code sbx policy init} (null before init or after
 * reset) and every rule, global and per sandbox. Preset rules are ordinary rules.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PolicyDocument(
    @JsonProperty("version") int version,
    @JsonProperty("preset") String preset,
    @JsonProperty("rules") List<Rule> rules) {

  public static final int VERSION = 1;

  public PolicyDocument {
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  public static PolicyDocument empty() {
    return new PolicyDocument(VERSION, null, List.of());
  }
}
