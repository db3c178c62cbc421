package dev.sbx.cli.sandbox;

import java.util.List;
import java.util.Map;

/** What a start needs beyond the sandbox directory: the VM the record describes, engine resolved. */
public record LaunchSpec(String sandboxId, String name, String engine, int cpus, long memoryBytes,
    long dataDiskBytes, List<Workspace> workspaces, Map<String, String> environment, List<String> publish) {}
