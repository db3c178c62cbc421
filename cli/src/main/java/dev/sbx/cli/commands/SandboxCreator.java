package dev.sbx.cli.commands;

import dev.sbx.cli.BuildInfo;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.Engines;
import dev.sbx.cli.sandbox.Agent;
import dev.sbx.cli.sandbox.EnvVars;
import dev.sbx.cli.session.PortSpec;
import dev.sbx.cli.sandbox.Resources;
import dev.sbx.cli.sandbox.SandboxNames;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.SandboxState;
import dev.sbx.cli.sandbox.SandboxStore;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Times;
import dev.sbx.cli.sandbox.Workspace;
import dev.sbx.cli.settings.Settings;
import dev.sbx.image.ImageManager;
import dev.sbx.proxy.policy.CompiledPolicy;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Destinations;
import dev.sbx.proxy.policy.PolicyDocument;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Preset;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Validates {@code run}/{@code create} input and stores the new sandbox; nothing is written on bad input. */
final class SandboxCreator {
  private SandboxCreator() {}

  static SandboxRecord create(Sandboxes sandboxes, Agent agent, String name, List<Workspace> workspaces,
      SandboxOptions o, PrintWriter err) {
    Resources host = Resources.ofHost();
    int cpus = host.cpus(o.cpus == null ? 0 : o.cpus);
    long memory = host.memory(o.memory);
    List<String> publish = o.publish.stream().map(PortSpec::parse).map(PortSpec::spec).toList();
    if (o.engine != null && !o.engine.equals("auto")) {
      try {
        Engines.parse(o.engine);
      } catch (IllegalArgumentException e) {
        throw new UserException(e.getMessage(), ExitCodes.USAGE);
      }
    }
    Map<String, String> env = EnvVars.resolve(o.env, o.envFiles, System.getenv(), err);
    Settings settings = Settings.load(sandboxes.paths());
    requirePolicy(sandboxes, err);
    String now = Times.text(Instant.now());
    SandboxRecord r = new SandboxRecord(SandboxStore.newId(), name, agent.id(), workspaces, cpus, memory,
        settings.diskSize(), o.engine == null ? "auto" : o.engine, env, publish, SandboxState.CREATED, null, now, now,
        null, BuildInfo.current().version(), new ImageManager(sandboxes.paths().cache()).currentVersion());
    try {
      SandboxRecord created = sandboxes.store().create(r);
      warnIfApiBlocked(sandboxes, agent, name, err);
      return created;
    } catch (IOException e) {
      throw new UserException("cannot create sandbox " + name + ": " + e.getMessage());
    }
  }

  static String name(SandboxOptions o, Agent agent, List<Workspace> workspaces) {
    return o.name != null ? SandboxNames.check(o.name)
        : SandboxNames.derive(agent.id(), workspaces.isEmpty() ? null : workspaces.get(0).path());
  }

  /**
   * No sandbox before a network policy exists: on a terminal the preset prompt, otherwise an
   * error naming the command.
   */
  static void requirePolicy(Sandboxes sandboxes, PrintWriter err) {
    PolicyStore store = new PolicyStore(sandboxes.paths().config());
    PolicyDocument doc;
    try {
      doc = store.load();
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
    if (doc.preset() != null) {
      return;
    }
    Console c = System.console();
    if (c == null) {
      throw new UserException("no network policy yet; run \"sbx policy init balanced\" (or allow-all, deny-all)");
    }
    c.printf("No network policy yet. Choose what sandboxes may reach:%n"
        + "  1) Open (allow-all)%n  2) Balanced (balanced): AI APIs, package managers, code hosts%n"
        + "  3) Locked Down (deny-all)%n");
    String answer = c.readLine("Preset [2]: ");
    if (answer == null) {
      throw new UserException("cancelled");
    }
    Preset p = switch (answer.strip()) {
      case "", "2", "balanced" -> Preset.fromId("balanced");
      case "1", "allow-all" -> Preset.fromId("allow-all");
      case "3", "deny-all" -> Preset.fromId("deny-all");
      default -> throw new UserException("cancelled: '" + answer.strip() + "' is not 1, 2 or 3");
    };
    try {
      store.init(p);
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
    err.println("Policy initialised with preset " + p.id() + ".");
  }

  /** One line if the policy blocks the host the agent needs, with the command that fixes it. */
  static void warnIfApiBlocked(Sandboxes sandboxes, Agent agent, String name, PrintWriter err) {
    if (agent.apiHost() == null) {
      return;
    }
    try {
      PolicyDocument doc = new PolicyStore(sandboxes.paths().config()).load();
      Destination d = Destinations.parseAuthority(agent.apiHost() + ":443");
      if (!CompiledPolicy.compile(doc, name).decide(d).allowed()) {
        err.println("warning: the network policy blocks " + agent.apiHost() + ", which " + agent.id()
            + " needs; allow it with: sbx policy allow network " + agent.apiHost());
      }
    } catch (Exception e) {
      // the warning is advice; a policy problem shows up in the proxy's own errors
    }
  }
}
