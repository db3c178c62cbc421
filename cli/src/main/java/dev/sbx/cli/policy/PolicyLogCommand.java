package dev.sbx.cli.policy;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.proxy.ProxyPaths;
import dev.sbx.cli.settings.Table;
import dev.sbx.proxy.log.DecisionLog;
import dev.sbx.proxy.log.LogRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sbx policy log}: what the proxies allowed and blocked, aggregated per sandbox, host,
 * mode and rule with a count and the last time seen (sbx-cli.md §3.7).
 */
@Command(name = "log", description = "Show what the proxies allowed and blocked.")
final class PolicyLogCommand implements Runnable {
  private static final DateTimeFormatter SEEN = DateTimeFormatter.ofPattern("HH:mm:ss dd-MMM", Locale.ENGLISH)
      .withZone(ZoneId.systemDefault());

  @Spec CommandSpec spec;
  @Parameters(paramLabel = "SANDBOX", arity = "0..1") String sandbox;
  @Option(names = "--json", description = "Print the raw records as JSON lines.") boolean json;
  @Option(names = "--limit", paramLabel = "N", description = "At most N rows per table (0 = all).") int limit;
  @Option(names = "-q", description = "Rows only, no headings.") boolean quiet;

  private record Key(String sandbox, String host, String mode, String rule, String reason, boolean allowed) {}

  @Override
  public void run() {
    if (limit < 0) {
      throw new UserException("--limit must be 0 or more", ExitCodes.USAGE);
    }
    List<LogRecord> records = new ArrayList<>();
    for (Path p : ProxyPaths.allLogs(SbxPaths.fromEnvironment())) {
      try {
        records.addAll(DecisionLog.read(p, ProxyPaths.LOG_KEEP));
      } catch (IOException e) {
        spec.commandLine().getErr().println("warning: cannot read " + p + ": " + e.getMessage());
      }
    }
    records.removeIf(r -> sandbox != null && !sandbox.equals(r.sandbox()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      records.sort(Comparator.comparing(r -> Objects.toString(r.time(), "")));
      for (LogRecord r : records) {
        out.println(PolicyCommand.json(r));
      }
      return;
    }
    Map<Key, long[]> counts = new LinkedHashMap<>();
    Map<Key, String> last = new LinkedHashMap<>();
    for (LogRecord r : records) {
      Key k = new Key(Objects.toString(r.sandbox(), "(standalone)"), r.host() + (r.port() == null ? "" : ":" + r.port()),
          Objects.toString(r.mode(), "-"), r.ruleText() == null ? "-" : r.ruleText(), Objects.toString(r.reason(), "-"),
          "allow".equals(r.decision()));
      counts.computeIfAbsent(k, x -> new long[1])[0]++;
      last.merge(k, Objects.toString(r.time(), ""), (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
    table(out, "Blocked requests:", counts, last, false);
    if (!quiet) {
      out.println();
    }
    table(out, "Allowed requests:", counts, last, true);
  }

  private void table(PrintWriter out, String title, Map<Key, long[]> counts, Map<Key, String> last, boolean allowed) {
    List<String[]> rows = new ArrayList<>();
    if (!quiet) {
      out.println(title);
      rows.add(new String[] {"SANDBOX", "TYPE", "HOST", "PROXY", "RULE", "REASON", "LAST SEEN", "COUNT"});
    }
    List<Key> keys = counts.keySet().stream().filter(k -> k.allowed() == allowed)
        .sorted(Comparator.comparing((Key k) -> last.get(k)).reversed()).toList();
    int n = 0;
    for (Key k : keys) {
      if (limit > 0 && n++ >= limit) {
        break;
      }
      String seen = last.get(k);
      try {
        seen = SEEN.format(Instant.parse(seen));
      } catch (RuntimeException e) {
        // keep the raw text
      }
      rows.add(new String[] {k.sandbox(), "network", k.host(), k.mode(), k.rule(), k.reason(), seen,
          Long.toString(counts.get(k)[0])});
    }
    if (!rows.isEmpty()) {
      Table.print(out, rows);
    }
  }
}
