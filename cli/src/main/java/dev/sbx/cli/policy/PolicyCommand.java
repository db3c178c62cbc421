package dev.sbx.cli.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.settings.Table;
import dev.sbx.proxy.net.AddressClassifier;
import dev.sbx.proxy.net.IpLiterals;
import dev.sbx.proxy.policy.CompiledPolicy;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.InvalidTargetException;
import dev.sbx.proxy.policy.PolicyDocument;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Preset;
import dev.sbx.proxy.policy.Rule;
import dev.sbx.proxy.policy.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx policy}: the network policy every sandbox proxy enforces (sbx-cli.md §2.11, §3). */
@Command(name = "policy", description = "Manage the network policy of sandboxes.",
    subcommands = {PolicyCommand.Init.class, PolicyNetworkCommands.Allow.class, PolicyNetworkCommands.Deny.class,
        PolicyNetworkCommands.Remove.class, PolicyCommand.ListRules.class, PolicyLogCommand.class,
        PolicyCommand.Check.class, PolicyCommand.Reset.class})
public final class PolicyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final ObjectMapper JSON = new ObjectMapper();

  static PolicyStore store() {
    return new PolicyStore(SbxPaths.fromEnvironment().config());
  }

  static PolicyDocument load(PolicyStore store) {
    try {
      return store.load();
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
  }

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Command(name = "init", aliases = "set-default", description = "Choose the preset: allow-all, balanced or deny-all.")
  static final class Init implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "PRESET", description = "allow-all, balanced or deny-all") String preset;

    @Override
    public void run() {
      Preset p;
      try {
        p = Preset.fromId(preset);
      } catch (IllegalArgumentException e) {
        throw new UserException(e.getMessage(), ExitCodes.USAGE);
      }
      try {
        PolicyDocument doc = store().init(p);
        spec.commandLine().getOut().println("Policy initialised with preset " + p.id() + " (" + doc.rules().size()
            + " rules).");
      } catch (IllegalStateException e) {
        throw new UserException(e.getMessage(), ExitCodes.FAILURE);
      } catch (IOException e) {
        throw new UserException(e.getMessage());
      }
    }
  }

  @Command(name = "ls", aliases = "list", description = "List rules: all, or global rules plus one sandbox's.")
  static final class ListRules implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SANDBOX", arity = "0..1") String sandbox;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--decision", paramLabel = "allow|deny", description = "Only rules with this decision.")
    String decision;

    @Override
    public void run() {
      PolicyDocument doc = load(store());
      if (decision != null && !decision.equals("allow") && !decision.equals("deny")) {
        throw new UserException("--decision must be allow or deny", ExitCodes.USAGE);
      }
      List<Rule> rules = new ArrayList<>();
      for (Rule r : doc.rules()) {
        if (sandbox != null && r.sandbox() != null && !r.sandbox().equals(sandbox)) {
          continue;
        }
        if (decision != null && !r.decision().text().equals(decision)) {
          continue;
        }
        rules.add(r);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Rule r : rules) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", r.id());
          m.put("scope", r.sandbox() == null ? "global" : "sandbox");
          m.put("sandbox", r.sandbox());
          m.put("decision", r.decision().text());
          m.put("resource", r.resource());
          m.put("origin", r.origin());
          m.put("created_at", r.createdAt());
          rows.add(m);
        }
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("preset", doc.preset());
        top.put("rules", rows);
        out.println(json(top));
        return;
      }
      out.println("Preset: " + (doc.preset() == null ? "(none; run 'sbx policy init')" : doc.preset()));
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"ID", "SCOPE", "DECISION", "RESOURCE", "ORIGIN"});
      for (Rule r : rules) {
        table.add(new String[] {r.shortId(), r.scope(), r.decision().text(), r.resource(), r.origin()});
      }
      Table.print(out, table);
    }
  }

  @Command(name = "check", description = "Evaluate a destination against the policy without sending traffic.",
      subcommands = Check.Network.class)
  static final class Check implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "network", description = "TARGET: hostname, host:port, IP literal or URL (bare hosts use 443).")
    static final class Network implements java.util.concurrent.Callable<Integer> {
      @Spec CommandSpec spec;
      @Option(names = "--sandbox", paramLabel = "NAME") String sandbox;
      @Option(names = "--json") boolean json;
      @Parameters(paramLabel = "TARGET") String target;

      @Override
      public Integer call() {
        Destination d = parseTarget(target);
        CompiledPolicy p = CompiledPolicy.compile(load(store()), sandbox);
        Verdict v = p.decide(d);
        // Names are not resolved here; literals and loopback names get the address-class check.
        if (v.allowed() && d.kind() != Destination.Kind.NAME) {
          List<java.net.InetAddress> addrs = d.kind() == Destination.Kind.IP ? List.of(d.address())
              : List.of(IpLiterals.toAddress(new byte[] {127, 0, 0, 1}), IpLiterals.toAddress(IpLiterals.parseIpv6("::1")));
          Verdict block = p.checkAddresses(d, addrs, false, AddressClassifier.forThisHost());
          if (block != null) {
            v = block;
          }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("target", d.hostPort());
          m.put("allowed", v.allowed());
          m.put("decision", v.allowed() ? "allow" : "deny");
          m.put("rule", v.rule() == null ? null : v.rule().id());
          m.put("reason", v.reason().text());
          m.put("scope", v.rule() == null ? null : v.rule().scope());
          out.println(json(m));
        } else if (v.allowed()) {
          out.println("Allowed: " + d.hostPort() + " (rule " + v.rule().shortId() + " " + v.rule().resource() + ")");
        } else {
          out.println("Denied: " + d.hostPort() + " (" + v.explanation().replaceFirst("^rule: ", "") + ")");
        }
        return v.allowed() ? 0 : 1;
      }
    }

    static Destination parseTarget(String target) {
      String t = target.strip();
      try {
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://")) {
          return Destinations.parseHttpTarget(t).destination();
        }
        if (lower.startsWith("https://")) {
          Destination d = Destinations.parseHttpTarget("http://" + t.substring(8)).destination();
          boolean explicitPort = t.substring(8).split("[/?]", 2)[0].matches(".*:\\d+$");
          return explicitPort ? d : new Destination(d.kind(), d.host(), d.address(), 443);
        }
        if (t.contains("://")) {
          String rest = t.substring(t.indexOf("://") + 3).split("[/?]", 2)[0];
          return Destinations.parseAuthority(rest);
        }
        boolean hasPort = t.startsWith("[") ? t.contains("]:") : t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':');
        return Destinations.parseAuthority(hasPort ? t : (t.contains(":") && !t.startsWith("[") ? "[" + t + "]" : t) + ":443");
      } catch (InvalidTargetException e) {
        throw new UserException("bad target '" + target + "': " + e.getMessage(), ExitCodes.USAGE);
      }
    }
  }

  @Command(name = "reset", description = "Delete every rule and the preset; running proxies then deny everything.")
  static final class Reset implements Runnable {
    @Spec CommandSpec spec;
    @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.") boolean force;

    @Override
    public void run() {
      Confirm.require("Delete every network rule and the preset?", force);
      try {
        store().reset();
      } catch (IOException e) {
        throw new UserException(e.getMessage());
      }
      spec.commandLine().getOut().println("Policy reset; every destination is denied until 'sbx policy init'.");
    }
  }
}
