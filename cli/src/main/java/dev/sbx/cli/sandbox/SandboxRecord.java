package dev.sbx.cli.sandbox;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the store keeps about one sandbox ({@code sandbox.json}, design §6). Creation settings are
 * fixed; state, reason and times change over its life.
 *
 * @param engine the engine asked for at creation ({@code auto} follows the setting at each start)
 * @param environment {@code -e}/{@code --env-file} values given at creation, for every session
 * Times are RFC 3339 UTC text, as {@code ls --json} prints them.
 *
 * @param publish port specs given at creation, republished on every start
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxRecord(
    @JsonProperty("id") String id,
    @JsonProperty("name") String name,
    @JsonProperty("agent") String agent,
    @JsonProperty("workspaces") List<Workspace> workspaces,
    @JsonProperty("cpus") int cpus,
    @JsonProperty("memory_bytes") long memoryBytes,
    @JsonProperty("disk_bytes") long diskBytes,
    @JsonProperty("engine") String engine,
    @JsonProperty("environment") Map<String, String> environment,
    @JsonProperty("publish") List<String> publish,
    @JsonProperty("state") SandboxState state,
    @JsonProperty("state_reason") String stateReason,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("last_used_at") String lastUsedAt,
    @JsonProperty("stopped_at") String stoppedAt,
    @JsonProperty("sbx_version") String sbxVersion,
    @JsonProperty("image_version") String imageVersion) {

  public SandboxRecord {
    workspaces = workspaces == null ? List.of() : List.copyOf(workspaces);
    environment = environment == null ? Map.of() : new TreeMap<>(environment);
    publish = publish == null ? List.of() : List.copyOf(publish);
  }

  /** The primary workspace (the agent's working directory), absent for a mountless sandbox. */
  @JsonIgnore
  public Optional<Workspace> primary() {
    return workspaces.isEmpty() ? Optional.empty() : Optional.of(workspaces.get(0));
  }

  /** Where sessions start: the primary workspace, or the mountless workspace in the guest. */
  @JsonIgnore
  public String workdir() {
    return primary().map(Workspace::path).orElse(MOUNTLESS_WORKDIR);
  }

  public static final String MOUNTLESS_WORKDIR = "/home/agent/workspace";

  public SandboxRecord withState(SandboxState next, String reason, Instant now) {
    String stopped = next == SandboxState.STOPPED || next == SandboxState.ERROR ? Times.text(now) : stoppedAt;
    return new SandboxRecord(id, name, agent, workspaces, cpus, memoryBytes, diskBytes, engine, environment,
        publish, next, reason, createdAt, lastUsedAt, stopped, sbxVersion, imageVersion);
  }

  public SandboxRecord usedAt(Instant now, String image) {
    return new SandboxRecord(id, name, agent, workspaces, cpus, memoryBytes, diskBytes, engine, environment,
        publish, state, stateReason, createdAt, Times.text(now), stoppedAt, sbxVersion, image == null ? imageVersion : image);
  }

  public SandboxRecord withPublish(List<String> specs) {
    return new SandboxRecord(id, name, agent, workspaces, cpus, memoryBytes, diskBytes, engine, environment,
        specs, state, stateReason, createdAt, lastUsedAt, stoppedAt, sbxVersion, imageVersion);
  }
}
