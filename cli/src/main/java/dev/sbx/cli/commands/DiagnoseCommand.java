package dev.sbx.cli.commands;

import dev.sbx.cli.BuildInfo;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.EngineChoice;
import dev.sbx.cli.engine.EngineSelector;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.sandbox.Workspace;
import dev.sbx.cli.settings.Settings;
import dev.sbx.image.GuestImage;
import dev.sbx.image.ImageManager;
import dev.sbx.proxy.policy.PolicyStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sbx diagnose [--json]} (sbx-cli.md §2.14): health checks, each failure with its fix. */
@Command(name = "diagnose", description = "Check the engine, image, directories, disk, policy and sandboxes.")
public final class DiagnoseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--json", description = "Print JSON.") boolean json;

  record Check(String name, String status, String message, String hint) {}

  @Override
  public Integer call() {
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    SbxPaths paths = sandboxes.paths();
    List<Check> checks = new ArrayList<>();
    try {
      Settings settings = Settings.load(paths);
      String requested = settings.engine() == null ? "auto" : settings.engine();
      EngineChoice c = EngineSelector.select(requested, EngineSelector.probeHost());
      checks.add(new Check("engine", c.warning().isPresent() ? "warn" : "pass",
          "engine " + c.engine() + (c.warning().map(w -> ": " + w).orElse("")), null));
    } catch (UserException e) {
      checks.add(new Check("engine", "fail", e.getMessage(), "install what the message names, or set another engine"));
    }
    ImageManager images = new ImageManager(paths.cache());
    Optional<GuestImage> image = images.current();
    if (image.isEmpty()) {
      checks.add(new Check("image", "warn", "guest image " + images.currentVersion() + " is not built",
          "sbx image build (or the first 'sbx run' builds it)"));
    } else {
      try {
        List<String> bad = images.verify(image.get());
        checks.add(bad.isEmpty() ? new Check("image", "pass", "guest image " + image.get().version() + " intact", null)
            : new Check("image", "fail", "guest image damaged: " + String.join(", ", bad), "sbx image build --force"));
      } catch (IOException e) {
        checks.add(new Check("image", "fail", "cannot verify the image: " + e.getMessage(), "sbx image build --force"));
      }
    }
    for (Map.Entry<String, Path> d : Map.of("config", paths.config(), "data", paths.data(), "cache", paths.cache())
        .entrySet()) {
      checks.add(dirCheck(d.getKey(), d.getValue()));
    }
    try {
      Path existing = paths.data();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      long free = existing == null ? -1 : Files.getFileStore(existing).getUsableSpace();
      checks.add(free >= 0 && free < (5L << 30)
          ? new Check("disk", "warn", (free >> 20) + " MiB free under " + paths.data(), "free some disk space")
          : new Check("disk", "pass", (free >> 30) + " GiB free", null));
    } catch (IOException e) {
      checks.add(new Check("disk", "skip", e.getMessage(), null));
    }
    checks.add(new Check("keychain", "warn", "no OS keychain in use; secrets are stored in a 0600 file",
        "protect the config directory"));
    try {
      String preset = new PolicyStore(paths.config()).load().preset();
      checks.add(preset == null ? new Check("policy", "fail", "no network policy yet",
          "sbx policy init balanced (or allow-all, deny-all)") : new Check("policy", "pass", "preset " + preset, null));
    } catch (IOException e) {
      checks.add(new Check("policy", "fail", e.getMessage(), "sbx policy reset"));
    }
    for (SandboxRecord r : sandboxes.store().list()) {
      Sandboxes.Observed o = sandboxes.observe(r);
      if (r.state().live() && !o.state().live()) {
        checks.add(new Check("sandbox " + r.name(), "warn", "recorded " + r.state().text() + " but "
            + o.reason().orElse("its VMM is gone"), "sbx run --name " + r.name() + " starts it again"));
      }
      for (Workspace w : r.workspaces()) {
        if (!Files.isDirectory(Path.of(w.path()))) {
          checks.add(new Check("sandbox " + r.name(), "fail", "workspace " + w.path() + " is missing",
              "restore it, or sbx rm " + r.name()));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Integer> summary = new LinkedHashMap<>();
    for (String s : List.of("pass", "warn", "fail", "skip")) {
      summary.put(s, (int) checks.stream().filter(c -> c.status().equals(s)).count());
    }
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Check c : checks) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("status", c.status());
        m.put("message", c.message());
        m.put("hint", c.hint());
        rows.add(m);
      }
      Map<String, Object> top = new LinkedHashMap<>();
      top.put("version", BuildInfo.current().version());
      top.put("checks", rows);
      top.put("summary", summary);
      out.println(LsCommand.json(top));
    } else {
      for (Check c : checks) {
        out.printf("%-5s %-20s %s%n", c.status(), c.name(), c.message());
        if (c.hint() != null && !c.status().equals("pass")) {
          out.printf("      %-20s fix: %s%n", "", c.hint());
        }
      }
      out.printf("%d pass, %d warn, %d fail, %d skip%n", summary.get("pass"), summary.get("warn"), summary.get("fail"),
          summary.get("skip"));
    }
    return summary.get("fail") > 0 ? 1 : 0;
  }

  private static Check dirCheck(String name, Path dir) {
    Path p = dir;
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    boolean ok = p != null && Files.isWritable(p);
    return ok ? new Check(name + " dir", "pass", dir.toString(), null)
        : new Check(name + " dir", "fail", dir + " is not writable", "fix its permissions or set SBX_HOME");
  }
}
