package dev.sbx.cli.secret;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.policy.Confirm;
import dev.sbx.cli.proxy.ProxyPaths;
import dev.sbx.cli.settings.Table;
import dev.sbx.proxy.cred.SecretStore;
import dev.sbx.proxy.cred.SecretValues;
import dev.sbx.proxy.cred.Service;
import dev.sbx.proxy.cred.UserServices;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx secret set|ls|rm}: service keys the proxy injects; values never reach a sandbox. */
@Command(name = "secret", description = "Manage the API keys the proxy injects for sandboxes.",
    subcommands = {SecretCommand.Set.class, SecretCommand.ListSecrets.class, SecretCommand.Remove.class})
public final class SecretCommand implements Runnable {
  static final String FILE_NOTICE = "No keychain found; storing the secret on disk, protected by file permissions only";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static SecretStore store() {
    return new SecretStore(SbxPaths.fromEnvironment().config());
  }

  static List<Service> services() {
    try {
      return UserServices.load(SbxPaths.fromEnvironment().config());
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
  }

  static String checkService(String name) {
    List<String> names = services().stream().map(Service::name).toList();
    if (!names.contains(name)) {
      throw new UserException("unknown service '" + name + "'; use one of: " + String.join(", ", names), ExitCodes.USAGE);
    }
    return name;
  }

  static List<SecretStore.Secret> list(SecretStore store) {
    try {
      return store.list();
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
  }

  static String scope(String sandbox) {
    return sandbox == null ? "global" : "sandbox " + sandbox;
  }

  @Command(name = "set", description = "Store a service secret, read from piped stdin or a prompt without echo.")
  static final class Set implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SERVICE", arity = "0..1") String service;
    @Option(names = "--sandbox", paramLabel = "NAME", description = "Only for this sandbox (its value wins there).")
    String sandbox;
    @Option(names = {"-t", "--token"}, paramLabel = "VALUE",
        description = "The value on the command line (less secure: it lands in shell history).")
    String token;
    @Option(names = {"-f", "--force"}, description = "Replace an existing secret without asking.") boolean force;

    @Override
    public void run() {
      if (service == null) {
        throw new UserException("name the service, e.g. 'sbx secret set anthropic'", ExitCodes.USAGE);
      }
      checkService(service);
      if (sandbox != null) {
        ProxyPaths.checkSandboxName(sandbox);
      }
      SecretStore store = store();
      boolean exists = list(store).stream()
          .anyMatch(s -> s.service().equals(service) && Objects.equals(s.sandbox(), sandbox));
      Console console = System.console();
      if (exists && !force) {
        if (console == null) {
          throw new UserException("a " + scope(sandbox) + " secret for " + service + " exists; use -f to replace it");
        }
        Confirm.require("Replace the " + scope(sandbox) + " secret for " + service + "?", false);
      }
      String value;
      if (token != null) {
        spec.commandLine().getErr().println("warning: a value given with --token is now in your shell history");
        value = token;
      } else if (console == null) {
        try {
          value = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UserException("cannot read the secret from stdin: " + e.getMessage());
        }
        if (value.endsWith("\n")) {
          value = value.substring(0, value.length() - 1);
          if (value.endsWith("\r")) {
            value = value.substring(0, value.length() - 1);
          }
        }
      } else {
        char[] typed = console.readPassword("Secret for %s: ", service);
        value = typed == null ? "" : new String(typed);
      }
      String problem = SecretValues.problem(value);
      if (problem != null) {
        throw new UserException("not stored: " + problem, ExitCodes.FAILURE);
      }
      try {
        store.set(sandbox, service, value);
      } catch (IOException e) {
        throw new UserException("cannot write " + store.file() + ": " + e.getMessage());
      }
      spec.commandLine().getErr().println(FILE_NOTICE);
      spec.commandLine().getOut().println("Stored " + service + " (" + scope(sandbox) + ") in " + store.file() + ".");
    }
  }

  @Command(name = "ls", aliases = "list", description = "List stored secrets, masked.")
  static final class ListSecrets implements Runnable {
    @Spec CommandSpec spec;
    @Option(names = "--global", description = "Only global secrets.") boolean global;
    @Option(names = "--sandbox", paramLabel = "NAME", description = "Only this sandbox's secrets.") String sandbox;
    @Option(names = "--service", paramLabel = "S", description = "Only this service.") String service;
    @Option(names = "--json", description = "Print JSON rows (never the value).") boolean json;
    @Option(names = "-q", description = "Rows only, no heading.") boolean quiet;

    @Override
    public void run() {
      if (global && sandbox != null) {
        throw new UserException("--global and --sandbox exclude each other", ExitCodes.USAGE);
      }
      List<SecretStore.Secret> rows = new ArrayList<>();
      for (SecretStore.Secret s : list(store())) {
        if ((global && s.sandbox() != null) || (sandbox != null && !sandbox.equals(s.sandbox()))
            || (service != null && !service.equals(s.service()))) {
          continue;
        }
        rows.add(s);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> j = new ArrayList<>();
        for (SecretStore.Secret s : rows) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("scope", s.sandbox() == null ? "global" : "sandbox");
          m.put("sandbox", s.sandbox());
          m.put("type", "service");
          m.put("name", s.service());
          m.put("masked", SecretValues.mask(s.value()));
          j.add(m);
        }
        try {
          out.println(new ObjectMapper().writeValueAsString(j));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        return;
      }
      List<String[]> t = new ArrayList<>();
      if (!quiet) {
        t.add(new String[] {"SCOPE", "TYPE", "NAME", "SECRET"});
      }
      for (SecretStore.Secret s : rows) {
        t.add(new String[] {s.scopeLabel(), "service", s.service(), SecretValues.mask(s.value())});
      }
      if (!t.isEmpty()) {
        Table.print(out, t);
      }
    }
  }

  @Command(name = "rm", aliases = {"remove", "delete", "unset"}, description = "Delete a secret, or all of one scope.")
  static final class Remove implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SERVICE", arity = "0..1") String service;
    @Option(names = "--sandbox", paramLabel = "NAME") String sandbox;
    @Option(names = "--all", description = "Every secret of the chosen scope.") boolean all;
    @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.") boolean force;

    @Override
    public void run() {
      if ((service == null) == !all) {
        throw new UserException("name one SERVICE or use --all", ExitCodes.USAGE);
      }
      SecretStore store = store();
      long n = list(store).stream().filter(s -> Objects.equals(s.sandbox(), sandbox)
          && (all || s.service().equals(service))).count();
      if (n == 0) {
        throw new UserException("no " + scope(sandbox) + " secret" + (all ? "" : " for " + service) + " to delete");
      }
      Confirm.require("Delete " + (all ? "all " + n + " secrets" : "secret " + service) + " (" + scope(sandbox) + ")?", force);
      try {
        store.remove(sandbox, all ? null : service);
      } catch (IOException e) {
        throw new UserException(e.getMessage());
      }
      spec.commandLine().getOut().println("Deleted " + n + " secret" + (n == 1 ? "" : "s") + " (" + scope(sandbox) + ").");
    }
  }
}
