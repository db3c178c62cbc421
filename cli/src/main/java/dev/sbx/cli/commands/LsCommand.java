package dev.sbx.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sbx.cli.session.PortSpec;
import dev.sbx.cli.sandbox.Resources;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Workspace;
import dev.sbx.cli.settings.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sbx ls [--json] [-q]} (sbx-cli.md §2.4): state reconciled with the live VMM processes. */
@Command(name = "ls", aliases = "list", description = "List sandboxes with agent, status, ports and workspace.")
public final class LsCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;
  @Option(names = "--json", description = "Print JSON.") boolean json;
  @Option(names = {"-q", "--quiet"}, description = "Print names only.") boolean quiet;

  @Override
  public Integer call() {
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    List<SandboxRecord> all = sandboxes.store().list();
    PrintWriter out = spec.commandLine().getOut();
    if (quiet) {
      all.forEach(r -> out.println(r.name()));
      return 0;
    }
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (SandboxRecord r : all) {
        rows.add(jsonRow(sandboxes, r));
      }
      out.println(json(Map.of("sandboxes", rows)));
      return 0;
    }
    if (all.isEmpty()) {
      out.println("No sandboxes yet. Start one with: sbx run claude .");
      return 0;
    }
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"SANDBOX", "AGENT", "STATUS", "PORTS", "WORKSPACE"});
    for (SandboxRecord r : all) {
      String ports = String.join(",", r.publish().stream().map(s -> PortSpec.parse(s).display()).toList());
      table.add(new String[] {r.name(), r.agent(), sandboxes.observe(r).label(), ports,
          r.primary().map(Workspace::path).orElse("-")});
    }
    Table.print(out, table);
    return 0;
  }

  static Map<String, Object> jsonRow(Sandboxes sandboxes, SandboxRecord r) {
    Sandboxes.Observed o = sandboxes.observe(r);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("name", r.name());
    m.put("agent", r.agent());
    m.put("status", o.state().text());
    m.put("status_reason", o.reason().orElse(null));
    m.put("created_at", r.createdAt());
    m.put("last_used_at", r.lastUsedAt());
    List<Map<String, Object>> ws = new ArrayList<>();
    boolean missing = false;
    for (int i = 0; i < r.workspaces().size(); i++) {
      Workspace w = r.workspaces().get(i);
      Map<String, Object> wm = new LinkedHashMap<>();
      wm.put("path", w.path());
      wm.put("read_only", w.readOnly());
      wm.put("primary", i == 0);
      ws.add(wm);
      missing |= !Files.isDirectory(Path.of(w.path()));
    }
    m.put("workspaces", ws);
    m.put("workspace_missing", missing);
    m.put("cpus", r.cpus());
    m.put("memory_mib", r.memoryBytes() / Resources.MIB);
    m.put("engine", r.engine());
    m.put("sbx_version", r.sbxVersion());
    m.put("image_version", r.imageVersion());
    List<Map<String, Object>> ports = new ArrayList<>();
    for (String s : r.publish()) {
      PortSpec p = PortSpec.parse(s);
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("host_ip", p.hostIp());
      pm.put("host_port", p.hostPort());
      pm.put("sandbox_port", p.sandboxPort());
      pm.put("protocol", p.protocol());
      ports.add(pm);
    }
    m.put("ports", ports);
    return m;
  }

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
