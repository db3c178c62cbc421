package dev.sbx.cli.engine;

import java.util.Optional;

/**
 * The engine to use (its id in {@link Engines}), and a one-line warning to show when it is not what
 * the user would expect (the slow emulated engine, or KVM on a host that only emulates it).
 */
public record EngineChoice(String engine, Optional<String> warning) {}
