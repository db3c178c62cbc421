package dev.sbx.cli.commands;

import dev.sbx.cli.DurationParser;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.policy.Confirm;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.SandboxState;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Times;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sbx prune} (sbx-cli.md §2.7): removes stopped sandboxes; running ones are never touched. */
@Command(name = "prune", description = "Remove every stopped (or never started, or failed) sandbox.")
public final class PruneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--dry-run", description = "List what would go; remove nothing.") boolean dryRun;
  @Option(names = "--filter", paramLabel = "until=WHEN",
      description = "Only sandboxes stopped before WHEN: RFC 3339 time, Unix seconds, or a duration back (168h).")
  String filter;
  @Option(names = {"-f", "--force"}, description = "No confirmation.") boolean force;
  @Option(names = "--json", description = "JSON listing (with --dry-run).") boolean json;

  @Override
  public Integer call() {
    if (json && !dryRun) {
      throw new UserException("--json works only with --dry-run", ExitCodes.USAGE);
    }
    Instant until = filter == null ? null : parseFilter(filter, Instant.now());
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    List<SandboxRecord> prunable = new ArrayList<>();
    for (SandboxRecord r : sandboxes.store().list()) {
      SandboxState s = sandboxes.observe(r).state();
      if (s.live()) {
        continue;
      }
      String stoppedText = s == SandboxState.CREATED ? r.createdAt() : r.stoppedAt();
      Instant stopped = stoppedText == null ? null : Times.parse(stoppedText);
      if (until != null && (stopped == null || !stopped.isBefore(until))) {
        continue;
      }
      prunable.add(r);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun) {
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SandboxRecord r : prunable) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", r.id());
          m.put("name", r.name());
          m.put("status", sandboxes.observe(r).state().text());
          rows.add(m);
        }
        out.println(LsCommand.json(Map.of("sandboxes", rows)));
      } else {
        prunable.forEach(r -> out.println("Would remove " + r.name()));
      }
      return 0;
    }
    if (prunable.isEmpty()) {
      out.println("Nothing to prune.");
      return 0;
    }
    Confirm.require("Remove " + prunable.size() + " stopped sandbox(es): "
        + String.join(", ", prunable.stream().map(SandboxRecord::name).toList()) + "?", force);
    int status = 0;
    for (SandboxRecord r : prunable) {
      try {
        sandboxes.remove(r);
        out.println("Removed " + r.name());
      } catch (IOException | UserException e) {
        spec.commandLine().getErr().println("ERROR: cannot remove " + r.name() + ": " + e.getMessage());
        status = 1;
      }
    }
    return status;
  }

  static Instant parseFilter(String filter, Instant now) {
    String[] kv = filter.split("=", 2);
    if (kv.length != 2 || !(kv[0].equals("until") || kv[0].equals("since"))) {
      throw new UserException("bad --filter '" + filter + "'; use until=WHEN", ExitCodes.USAGE);
    }
    String v = kv[1];
    try {
      if (v.matches("\\d+")) {
        return Instant.ofEpochSecond(Long.parseLong(v));
      }
      if (v.contains("T")) {
        return Instant.parse(v);
      }
      return now.minus(DurationParser.parse(v));
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new UserException("bad --filter time '" + v + "'; use an RFC 3339 time, Unix seconds or a duration like 168h",
          ExitCodes.USAGE);
    }
  }
}
