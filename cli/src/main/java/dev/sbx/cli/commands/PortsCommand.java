package dev.sbx.cli.commands;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.session.PortSpec;
import dev.sbx.cli.sandbox.SandboxLock;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.settings.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sbx ports SANDBOX [--publish SPEC] [--unpublish SPEC] [--json]} (sbx-cli.md §2.10). The
 * sbx-vmm process holds the forwarding, so mappings outlive the CLI; the record keeps them so
 * they come back on the next start.
 */
@Command(name = "ports", description = {
    "List, publish or unpublish a sandbox's ports. SPEC: [[HOST_IP:]HOST_PORT:]SANDBOX_PORT[/tcp|tcp4|tcp6];",
    "without HOST_IP the port binds to 127.0.0.1 only. Publishing starts a stopped sandbox."})
public final class PortsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Parameters(index = "0", paramLabel = "SANDBOX") String sandbox;
  @Option(names = "--publish", paramLabel = "SPEC", description = "Publish a port (repeatable).")
  List<String> publish = new ArrayList<>();
  @Option(names = "--unpublish", paramLabel = "SPEC", description = "Withdraw a mapping, or every mapping to SANDBOX_PORT.")
  List<String> unpublish = new ArrayList<>();
  @Option(names = "--json", description = "Print JSON.") boolean json;

  @Override
  public Integer call() throws IOException {
    List<PortSpec> toPublish = publish.stream().map(PortSpec::parse).toList();
    List<String> toUnpublish = new ArrayList<>(unpublish);
    for (String u : toUnpublish) {
      PortSpec.parse(u); // reject bad specs before touching anything
    }
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    SandboxRecord r = sandboxes.store().get(sandbox);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!toPublish.isEmpty()) {
      r = sandboxes.ensureRunning(r, Optional.empty(), err);
    }
    boolean running = sandboxes.running(r);
    int status = 0;
    List<String> specs = new ArrayList<>(r.publish());
    for (String u : toUnpublish) {
      List<PortSpec> matches = matching(specs, u);
      if (matches.isEmpty()) {
        err.println("ERROR: no mapping " + u + " on " + r.name() + "; see 'sbx ports " + r.name() + "'");
        status = 1;
        continue;
      }
      for (PortSpec m : matches) {
        if (running) {
          sandboxes.runtime().unpublish(sandboxes.dir(r), m);
        }
        specs.remove(m.spec());
        out.println("Unpublished " + m.display());
      }
    }
    for (PortSpec p : toPublish) {
      if (specs.contains(p.spec()) && p.hostPort() != 0) {
        err.println("ERROR: " + p.display() + " is already published");
        status = 1;
        continue;
      }
      PortSpec bound = sandboxes.runtime().publish(sandboxes.dir(r), p);
      specs.add(p.spec());
      out.println(bound.display());
    }
    if (!toPublish.isEmpty() || !toUnpublish.isEmpty()) {
      try (SandboxLock ignored = sandboxes.store().lock(r.id())) {
        SandboxRecord current = sandboxes.store().read(r.id()).orElse(r);
        sandboxes.store().save(current.withPublish(specs));
      }
      return status;
    }
    List<PortSpec> live = running ? sandboxes.runtime().ports(sandboxes.dir(r))
        : specs.stream().map(PortSpec::parse).toList();
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (PortSpec p : live) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host_ip", p.hostIp());
        m.put("host_port", p.hostPort());
        m.put("sandbox_port", p.sandboxPort());
        m.put("protocol", p.protocol());
        rows.add(m);
      }
      out.println(LsCommand.json(Map.of("ports", rows)));
      return status;
    }
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"HOST_IP", "HOST_PORT", "SANDBOX_PORT", "PROTOCOL"});
    for (PortSpec p : live) {
      table.add(new String[] {p.hostIp(), p.hostPort() == 0 ? "*" : String.valueOf(p.hostPort()),
          String.valueOf(p.sandboxPort()), p.protocol()});
    }
    Table.print(out, table);
    return status;
  }

  /** A bare SANDBOX_PORT matches every mapping to it; a full spec matches itself. */
  static List<PortSpec> matching(List<String> specs, String unpublish) {
    List<PortSpec> out = new ArrayList<>();
    boolean bare = unpublish.strip().matches("\\d+");
    PortSpec want = PortSpec.parse(unpublish);
    for (String s : specs) {
      PortSpec p = PortSpec.parse(s);
      if (bare ? p.sandboxPort() == want.sandboxPort() : p.equals(want)) {
        out.add(p);
      }
    }
    if (!bare && want.hostPort() == 0) {
      throw new UserException("give HOST_PORT:SANDBOX_PORT or a bare SANDBOX_PORT to --unpublish", ExitCodes.USAGE);
    }
    return out;
  }
}
