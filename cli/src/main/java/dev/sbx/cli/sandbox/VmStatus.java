package dev.sbx.cli.sandbox;

import java.util.Optional;

/** What the runtime reports about a sandbox's VMM process, already reconciled with its pid. */
public record VmStatus(SandboxState state, long pid, String engine, Optional<String> reason) {}
