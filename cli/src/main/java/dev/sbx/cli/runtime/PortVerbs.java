package dev.sbx.cli.runtime;

import dev.sbx.cli.session.PortForwarder;

import dev.sbx.cli.UserException;
import dev.sbx.cli.session.PortSpec;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-socket verbs of published ports, served by sbx-vmm: {@code PUBLISH <spec>} →
 * {@code OK <bound spec>}; {@code UNPUBLISH <spec>} → {@code OK <n>}; {@code PORTS} →
 * {@code OK <spec> <spec>...}; failures {@code ERR <message>}. Specs are the canonical
 * {@link PortSpec#spec()} text (no spaces); anything else from the client is refused.
 */
public final class PortVerbs {
  private static final Logger LOG = LoggerFactory.getLogger(PortVerbs.class);

  private PortVerbs() {}

  public static void register(ControlServer control, PortForwarder ports) {
    control.register("PUBLISH", (arg, conn) -> {
      PortSpec spec = parse(arg, conn);
      if (spec == null) {
        return;
      }
      try {
        conn.reply("OK " + ports.publish(spec).spec());
      } catch (UserException e) {
        conn.reply("ERR " + e.getMessage());
      }
    });
    control.register("UNPUBLISH", (arg, conn) -> {
      PortSpec spec = parse(arg, conn);
      if (spec != null) {
        conn.reply("OK " + ports.unpublish(spec).size());
      }
    });
    control.register("PORTS", (arg, conn) ->
        conn.reply(("OK " + ports.ports().stream().map(PortSpec::spec).collect(Collectors.joining(" "))).strip()));
  }

  private static PortSpec parse(String arg, ControlConnection conn) throws java.io.IOException {
    if (arg.length() > 80) {
      conn.reply("ERR port spec too long");
      return null;
    }
    try {
      return PortSpec.parse(arg);
    } catch (UserException e) {
      conn.reply("ERR " + e.getMessage());
      return null;
    }
  }

  /** On start: the record's mappings again; a conflict is logged and reported by the CLI. */
  public static void republish(PortForwarder ports, List<String> specs) {
    for (String s : specs) {
      try {
        ports.publish(PortSpec.parse(s));
      } catch (RuntimeException e) {
        LOG.warn("cannot publish {} again: {}", s, e.getMessage());
      }
    }
  }
}
