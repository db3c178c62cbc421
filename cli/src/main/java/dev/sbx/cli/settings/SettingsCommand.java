package dev.sbx.cli.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx settings get|set|unset|list}. */
@Command(name = "settings", description = "Show and change sbx settings.",
    subcommands = {SettingsCommand.Get.class, SettingsCommand.Set.class, SettingsCommand.Unset.class,
        SettingsCommand.ListSettings.class})
public final class SettingsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static SettingKey key(String name) {
    return SettingKey.find(name).orElseThrow(() -> new UserException("unknown setting '" + name
        + "'; did you mean '" + SettingKey.closest(name).key() + "'? (see 'sbx settings ls')", ExitCodes.FAILURE));
  }

  static Map<String, Object> json(Settings.Value v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", v.key().key());
    m.put("value", v.value());
    m.put("type", v.key().type());
    m.put("source", v.source().text());
    m.put("default", v.key().defaultValue());
    m.put("env", v.key().envVar());
    m.put("description", v.key().description());
    return m;
  }

  static String write(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Command(name = "get", description = "Print the value of one setting.")
  static final class Get implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "KEY") String key;
    @Option(names = "--json", description = "Print key, value, type, source, default, env and description.") boolean json;

    @Override
    public void run() {
      Settings.Value v = Settings.load(SbxPaths.fromEnvironment()).get(key(key));
      PrintWriter out = spec.commandLine().getOut();
      out.println(json ? write(json(v)) : v.value());
    }
  }

  @Command(name = "set", description = "Store a setting (written atomically under the config dir).")
  static final class Set implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "KEY") String key;
    @Parameters(index = "1", paramLabel = "VALUE") String value;

    @Override
    public void run() {
      SettingKey k = key(key);
      Settings s = Settings.load(SbxPaths.fromEnvironment());
      try {
        s.set(k, value);
      } catch (IllegalArgumentException e) {
        throw new UserException(k.key() + ": " + e.getMessage(), ExitCodes.USAGE);
      } catch (IOException e) {
        throw new UserException("cannot write " + s.file() + ": " + e.getMessage());
      }
      if (System.getenv(k.envVar()) != null) {
        spec.commandLine().getErr().println("warning: " + k.envVar() + " is set and overrides this value");
      }
    }
  }

  @Command(name = "unset", description = "Remove a stored setting (the default or environment applies again).")
  static final class Unset implements Runnable {
    @Parameters(paramLabel = "KEY") String key;

    @Override
    public void run() {
      SettingKey k = key(key);
      Settings s = Settings.load(SbxPaths.fromEnvironment());
      try {
        s.unset(k);
      } catch (IOException e) {
        throw new UserException("cannot write " + s.file() + ": " + e.getMessage());
      }
    }
  }

  @Command(name = "list", aliases = "ls", description = "List every setting with its value and source.")
  static final class ListSettings implements Runnable {
    @Spec CommandSpec spec;
    @Option(names = "--json", description = "Print a JSON array.") boolean json;

    @Override
    public void run() {
      Settings s = Settings.load(SbxPaths.fromEnvironment());
      PrintWriter out = spec.commandLine().getOut();
      List<Settings.Value> values = new ArrayList<>();
      for (SettingKey k : SettingKey.values()) {
        values.add(s.get(k));
      }
      if (json) {
        out.println(write(values.stream().map(SettingsCommand::json).toList()));
        return;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"KEY", "VALUE", "SOURCE", "DESCRIPTION"});
      for (Settings.Value v : values) {
        rows.add(new String[] {v.key().key(), v.value(), v.source().text(), v.key().description()});
      }
      Table.print(out, rows);
    }
  }
}
