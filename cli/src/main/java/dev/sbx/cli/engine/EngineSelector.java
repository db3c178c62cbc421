package dev.sbx.cli.engine;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.vmm.engine.EngineAvailability.Status;
import java.util.List;
import java.util.Optional;

/**
 * Picks the engine: an explicit choice (flag, then the {@code engine} setting) wins; {@code auto}
 * takes the first usable hardware engine and otherwise falls back to an emulated one with a
 * warning. Engines come from {@link Engines}; nothing here knows an engine by name. A
 * {@code /dev/kvm} that only emulates guest ring 0 (the PVM host module) is degraded: automatic
 * selection passes over it, an explicit choice gets a warning.
 */
public final class EngineSelector {
  private EngineSelector() {}

  public static List<EngineProbe> probeHost() {
    return Engines.all().stream().map(EngineProbe::of).toList();
  }

  /**
   * @param requested {@code auto} or an engine id
   * @throws UserException when nothing usable remains, naming what to install
   */
  public static EngineChoice select(String requested, List<EngineProbe> host) {
    String wanted;
    try {
      wanted = Engines.parse(requested);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage(), ExitCodes.USAGE);
    }
    return wanted != null ? explicit(find(wanted, host)) : auto(host);
  }

  private static EngineProbe find(String id, List<EngineProbe> host) {
    return host.stream().filter(p -> p.id().equals(id)).findFirst()
        .orElseThrow(() -> new UserException("the " + id + " engine is not part of this build"));
  }

  private static EngineChoice auto(List<EngineProbe> host) {
    for (EngineProbe p : host) {
      if (p.hardwareAccelerated() && p.availability().usable()) {
        return new EngineChoice(p.id(), Optional.empty());
      }
    }
    // Why this host has no hardware engine: the first one meant for this kind of host says it.
    String why = host.stream()
        .filter(p -> p.hardwareAccelerated() && p.availability().status() != Status.FOREIGN)
        .map(p -> p.availability().reason()).findFirst().orElse("no hardware engine for this platform");
    List<EngineProbe> emulated = host.stream().filter(p -> !p.hardwareAccelerated()).toList();
    for (EngineProbe p : emulated) {
      if (p.availability().usable()) {
        return new EngineChoice(p.id(), Optional.of("no usable hardware virtualization (" + why + "); using the "
            + p.id() + " engine (QEMU emulation), which is much slower"));
      }
    }
    String fallback = emulated.stream().map(p -> p.availability().reason()).findFirst().orElse("");
    throw new UserException("no usable engine: " + why + (fallback.isEmpty() ? "" : ", and " + fallback));
  }

  private static EngineChoice explicit(EngineProbe p) {
    return switch (p.availability().status()) {
      case USABLE -> new EngineChoice(p.id(), Optional.empty());
      case DEGRADED -> new EngineChoice(p.id(), Optional.of(p.availability().reason() + "; a Linux guest will not boot"));
      case MISSING -> throw new UserException(unavailable(p));
      // An engine of another platform is never usable here: a usage error, like an unknown name.
      case FOREIGN -> throw new UserException(unavailable(p), ExitCodes.USAGE);
    };
  }

  /** One line: which engine, why not, and what to do instead when the reason does not say. */
  private static String unavailable(EngineProbe p) {
    String why = p.availability().reason();
    String line = why.contains(" engine ") ? why : "the " + p.id() + " engine cannot run here: " + why;
    return line.contains("install") || line.contains(" use ") ? line : line + "; use auto";
  }
}
