package dev.sbx.cli.engine;

import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.hvf.HvfEngine;
import dev.sbx.vmm.kvm.KvmEngine;
import dev.sbx.vmm.tcg.TcgEngine;
import dev.sbx.vmm.whp.WhpEngine;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one list of engines: selection, {@code sbx-vmm} and {@code sbx vmm run} all take engines from
 * here. Hardware engines first, in the order automatic selection tries them; the emulated engine last.
 */
public final class Engines {
  private static final List<Engine> ALL = List.of(new KvmEngine(), new HvfEngine(), new WhpEngine(), new TcgEngine());

  private Engines() {}

  public static List<Engine> all() {
    return ALL;
  }

  public static Optional<Engine> byId(String id) {
    return ALL.stream().filter(e -> e.id().equals(id)).findFirst();
  }

  /** The engine named by a user's {@code id} (any case), or the id of the one engine with that name. */
  public static Engine require(String id) {
    return byId(id).orElseThrow(() -> new IllegalArgumentException(unknown(id)));
  }

  /** Parses a user's choice into an engine id; {@code auto} is not an engine and yields null. */
  public static String parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("auto")) {
      return null;
    }
    return byId(t).map(Engine::id).orElseThrow(() -> new IllegalArgumentException(unknown(text)));
  }

  /** "auto, kvm, hvf, whp or tcg", for messages and help. */
  public static String choices() {
    List<String> ids = ALL.stream().map(Engine::id).toList();
    return "auto, " + String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.get(ids.size() - 1);
  }

  private static String unknown(String text) {
    return "unknown engine '" + text + "'; use " + choices();
  }
}
