package dev.sbx.cli.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A shared host folder, mounted in the guest at the same absolute path. */
public record Workspace(@JsonProperty("path") String path, @JsonProperty("read_only") boolean readOnly) {}
