package dev.sbx.cli.policy;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.proxy.policy.InvalidTargetException;
import dev.sbx.proxy.policy.PolicyDocument;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Rule;
import dev.sbx.proxy.policy.RuleParser;
import dev.sbx.proxy.policy.RuleTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx policy allow|deny|rm network}. */
final class PolicyNetworkCommands {
  private PolicyNetworkCommands() {}

  static List<RuleTarget> parse(String resources) {
    try {
      return RuleParser.parseList(resources);
    } catch (InvalidTargetException e) {
      throw new UserException("invalid rule " + e.getMessage(), ExitCodes.USAGE);
    }
  }

  static void add(CommandSpec spec, String sandbox, Rule.Decision decision, String resources) {
    List<RuleTarget> targets = parse(resources);
    PolicyStore store = PolicyCommand.store();
    PolicyDocument before = PolicyCommand.load(store);
    List<Rule> added;
    try {
      added = store.add(sandbox, decision, targets);
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    for (Rule r : added) {
      out.println(r.shortId() + "  " + r.scope() + "  " + r.decision().text() + "  " + r.resource());
      if (decision == Rule.Decision.DENY && before.rules().stream().anyMatch(x -> x.decision() == Rule.Decision.ALLOW
          && x.resource().equals(r.resource()))) {
        out.println("note: the allow rule for " + r.resource() + " is now shadowed (deny wins)");
      }
    }
    if (before.preset() == null) {
      spec.commandLine().getErr().println("warning: no preset chosen yet; run 'sbx policy init balanced' (or allow-all, deny-all)");
    }
  }

  @Command(name = "allow", description = "Allow destinations.", subcommands = Allow.Network.class)
  static final class Allow implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "network", description = "Allow comma-separated RESOURCES (host, *.host, **.host, **, IP, CIDR, localhost:PORT; optional :PORT).")
    static final class Network implements Runnable {
      @Spec CommandSpec spec;
      @Option(names = "--sandbox", paramLabel = "NAME", description = "Scope the rules to one sandbox.") String sandbox;
      @Parameters(paramLabel = "RESOURCES") String resources;

      @Override
      public void run() {
        add(spec, sandbox, Rule.Decision.ALLOW, resources);
      }
    }
  }

  @Command(name = "deny", description = "Deny destinations (deny always wins).", subcommands = Deny.Network.class)
  static final class Deny implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "network", description = "Deny comma-separated RESOURCES.")
    static final class Network implements Runnable {
      @Spec CommandSpec spec;
      @Option(names = "--sandbox", paramLabel = "NAME", description = "Scope the rules to one sandbox.") String sandbox;
      @Parameters(paramLabel = "RESOURCES") String resources;

      @Override
      public void run() {
        add(spec, sandbox, Rule.Decision.DENY, resources);
      }
    }
  }

  @Command(name = "rm", aliases = {"remove", "delete"}, description = "Remove rules.", subcommands = Remove.Network.class)
  static final class Remove implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Selector {
      @Option(names = "--id", paramLabel = "ID", description = "Rule id (full or a unique prefix).") String id;
      @Option(names = "--resource", paramLabel = "LIST", description = "Comma-separated resources, as normalised.") String resource;
    }

    @Command(name = "network", description = "Remove network rules of one scope by id or by resource.")
    static final class Network implements Runnable {
      @Spec CommandSpec spec;
      @Option(names = "--sandbox", paramLabel = "NAME") String sandbox;
      @ArgGroup(exclusive = true, multiplicity = "1") Selector selector;
      @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.") boolean force;

      @Override
      public void run() {
        PolicyStore store = PolicyCommand.store();
        PolicyDocument doc = PolicyCommand.load(store);
        List<Rule> scope = doc.rules().stream().filter(r -> Objects.equals(r.sandbox(), sandbox)).toList();
        List<Rule> chosen = new ArrayList<>();
        String what;
        if (selector.id != null) {
          List<Rule> m = scope.stream().filter(r -> r.id().startsWith(selector.id)).toList();
          if (m.size() > 1) {
            throw new UserException("rule id prefix '" + selector.id + "' is ambiguous; give more characters",
                ExitCodes.USAGE);
          }
          chosen.addAll(m);
          what = "id " + selector.id;
        } else {
          for (RuleTarget t : parse(selector.resource)) {
            scope.stream().filter(r -> r.resource().equals(t.canonical())).forEach(chosen::add);
          }
          what = "resource " + selector.resource;
        }
        String scopeText = sandbox == null ? "global" : "sandbox:" + sandbox;
        if (chosen.isEmpty()) {
          throw new UserException("no " + scopeText + " rule matches " + what + "; see 'sbx policy ls'");
        }
        Confirm.require("Remove network rules from " + scopeText + " (" + what + ")?", force);
        try {
          store.remove(chosen);
        } catch (IOException e) {
          throw new UserException(e.getMessage());
        }
        for (Rule r : chosen) {
          spec.commandLine().getOut().println("removed " + r.shortId() + "  " + r.decision().text() + "  " + r.resource());
        }
      }
    }
  }
}
