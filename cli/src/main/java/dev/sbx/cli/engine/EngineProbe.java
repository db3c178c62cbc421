package dev.sbx.cli.engine;

import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineAvailability;

/** What selection knows about one engine on this host, as values so selection is testable. */
public record EngineProbe(String id, boolean hardwareAccelerated, EngineAvailability availability) {

  public static EngineProbe of(Engine engine) {
    return new EngineProbe(engine.id(), engine.hardwareAccelerated(), engine.availability());
  }
}
