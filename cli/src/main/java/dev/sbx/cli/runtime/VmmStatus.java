package dev.sbx.cli.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * The state of a sandbox's VMM as {@code vmm-state.json} and {@code STATUS} report it.
 *
 * @param state {@code starting}, {@code running}, {@code stopping}, {@code stopped} or {@code error}
 * @param pid the sbx-vmm process
 * @param reason why it stopped or failed (one line), when it did
 */
public record VmmStatus(String state, long pid, String engine, Instant startedAt, Optional<String> reason) {

  public static final String STARTING = "starting";
  public static final String RUNNING = "running";
  public static final String STOPPING = "stopping";
  public static final String STOPPED = "stopped";
  public static final String ERROR = "error";
  private static final Set<String> STATES = Set.of(STARTING, RUNNING, STOPPING, STOPPED, ERROR);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REASON = 2000;

  public VmmStatus {
    if (!STATES.contains(state)) {
      throw new IllegalArgumentException("unknown VMM state '" + state + "'");
    }
    reason = reason.map(r -> r.length() > MAX_REASON ? r.substring(0, MAX_REASON) : r);
  }

  /** Whether a VMM process is (still) meant to be alive in this state. */
  public boolean live() {
    return state.equals(STARTING) || state.equals(RUNNING) || state.equals(STOPPING);
  }

  public VmmStatus with(String newState, Optional<String> newReason) {
    return new VmmStatus(newState, pid, engine, startedAt, newReason);
  }

  /** One line of JSON (the control socket's STATUS answer and the state file). */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("state", state);
    n.put("pid", pid);
    n.put("engine", engine);
    n.put("startedAt", startedAt.toString());
    reason.ifPresent(r -> n.put("reason", r));
    return n.toString();
  }

  public static VmmStatus fromJson(String json) throws IOException {
    JsonNode n = JSON.readTree(json);
    if (n == null || !n.isObject() || !n.path("state").isTextual() || !n.path("pid").canConvertToLong()
        || !n.path("engine").isTextual() || !n.path("startedAt").isTextual()) {
      throw new IOException("not a VMM status: expected state, pid, engine and startedAt");
    }
    try {
      return new VmmStatus(n.get("state").asText(), n.get("pid").asLong(), n.get("engine").asText(),
          Instant.parse(n.get("startedAt").asText()),
          n.path("reason").isTextual() ? Optional.of(n.get("reason").asText()) : Optional.empty());
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new IOException("not a VMM status: " + e.getMessage(), e);
    }
  }
}
