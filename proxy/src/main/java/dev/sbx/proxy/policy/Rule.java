package dev.sbx.proxy.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One stored rule. {@code sandbox} null means global. {@code resource} is the canonical text
 * from {@link RuleTarget#canonical()}.
 */
public record Rule(
    @JsonProperty("id") String id,
    @JsonProperty("sandbox") String sandbox,
    @JsonProperty("decision") Decision decision,
    @JsonProperty("resource") String resource,
    @JsonProperty("origin") String origin,
    @JsonProperty("created_at") String createdAt) {

  public enum Decision {
    @JsonProperty("allow") ALLOW,
    @JsonProperty("deny") DENY;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static final String ORIGIN_USER = "user";

  /** Short id as shown by {@code sbx policy ls}. */
  @JsonIgnore
  public String shortId() {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }

  /** {@code global} or {@code sandbox:NAME}. */
  @JsonIgnore
  public String scope() {
    return sandbox == null ? "global" : "sandbox:" + sandbox;
  }

  /** Parses the stored resource; stored rules were validated when added. */
  @JsonIgnore
  public RuleTarget target() throws InvalidTargetException {
    return RuleParser.parse(resource);
  }
}
