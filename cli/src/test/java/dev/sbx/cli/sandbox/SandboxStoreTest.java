package dev.sbx.cli.sandbox;

import dev.sbx.cli.session.PortSpec;

import dev.sbx.cli.session.SshKeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxStoreTest {
  @TempDir Path home;

  /** A runtime that reports what the test says about each sandbox directory. */
  static final class ScriptedRuntime implements VmRuntime {
    final Map<Path, VmStatus> statuses = new HashMap<>();

    @Override
    public Optional<VmStatus> status(Path dir) {
      return Optional.ofNullable(statuses.get(dir));
    }

    @Override
    public VmStatus start(Path dir, LaunchSpec spec, Duration t, Consumer<String> progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean stop(Path dir, Duration grace) {
      return statuses.remove(dir) != null;
    }

    @Override
    public SocketChannel openVsock(Path dir, int port) throws IOException {
      throw new IOException("no VM");
    }

    @Override
    public PortSpec publish(Path dir, PortSpec spec) throws IOException {
      throw new IOException("no VM");
    }

    @Override
    public void unpublish(Path dir, PortSpec spec) throws IOException {
      throw new IOException("no VM");
    }

    @Override
    public List<PortSpec> ports(Path dir) {
      return List.of();
    }
  }

  static SandboxRecord record(String name, SandboxState state) {
    return new SandboxRecord(SandboxStore.newId(), name, "shell", List.of(new Workspace("/w/" + name, false)), 2,
        1L << 30, 1L << 30, "auto", Map.of("A", "1"), List.of(), state, null, "2026-11-22T10:15:00Z",
        "2026-11-22T10:15:00Z", null, "0.1.0", "img");
  }

  @Test
  void createFindAndDelete() throws IOException {
    SandboxStore store = new SandboxStore(home.resolve("sandboxes"));
    SandboxRecord a = store.create(record("Alpha", SandboxState.CREATED));
    store.create(record("beta", SandboxState.CREATED));
    assertEquals(List.of("Alpha", "beta"), store.list().stream().map(SandboxRecord::name).toList());
    assertEquals(a, store.find("alpha").orElseThrow(), "names compare case-insensitively");
    assertEquals(a, store.find(a.id()).orElseThrow());
    assertEquals(a, store.find(a.id().substring(0, 8)).orElseThrow());
    assertTrue(store.find(a.id().substring(0, 7)).isEmpty(), "prefixes need 8 characters");
    UserException taken = assertThrows(UserException.class, () -> store.create(record("ALPHA", SandboxState.CREATED)));
    assertTrue(taken.getMessage().contains("is taken"), taken.getMessage());
    assertEquals("no sandbox named 'gamma'; see 'sbx ls'",
        assertThrows(UserException.class, () -> store.get("gamma")).getMessage());

    Path dir = store.dir(a.id());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sandbox.json"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ssh/id_ed25519"))));
    assertTrue(Files.readString(dir.resolve("ssh/ssh_host_ed25519_key")).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assertTrue(SshKeys.keyText(dir.resolve("ssh/id_ed25519.pub")).startsWith("ssh-ed25519 AAAA"));
    assertTrue(Files.readString(dir.resolve("sandbox.json")).contains("\"memory_bytes\" : 1073741824"));
    try (var files = Files.list(dir)) {
      assertFalse(files.anyMatch(f -> f.getFileName().toString().contains(".tmp")), "no temp file left");
    }
    store.delete(a.id());
    assertFalse(Files.exists(dir));
    assertEquals(List.of("beta"), store.list().stream().map(SandboxRecord::name).toList());
  }

  @Test
  void aRecordFromAnotherDirectoryOrGarbageIsSkipped() throws IOException {
    SandboxStore store = new SandboxStore(home.resolve("sandboxes"));
    SandboxRecord a = store.create(record("alpha", SandboxState.CREATED));
    SandboxRecord b = store.create(record("beta", SandboxState.CREATED));
    Files.writeString(store.dir(b.id()).resolve("sandbox.json"), "{not json");
    Files.createDirectories(store.root().resolve("../../etc"));
    Files.createDirectories(store.root().resolve("not-an-id"));
    assertEquals(List.of(a), store.list());
    assertThrows(IllegalArgumentException.class, () -> store.dir("../x"));
  }

  @Test
  void aDeadVmmNeverShowsAsRunning() throws IOException {
    ScriptedRuntime runtime = new ScriptedRuntime();
    Sandboxes sandboxes = new Sandboxes(new SbxPaths(home.resolve("c"), home.resolve("d"), home.resolve("k")), runtime);
    SandboxRecord r = sandboxes.store().create(record("alpha", SandboxState.RUNNING));
    Path dir = sandboxes.dir(r);

    Sandboxes.Observed gone = sandboxes.observe(r);
    assertEquals(SandboxState.STOPPED, gone.state());
    assertEquals("stopped (crashed)", gone.label());

    runtime.statuses.put(dir, new VmStatus(SandboxState.STOPPED, 42, "tcg", Optional.of("vmm exited: signal 9")));
    assertEquals(new Sandboxes.Observed(SandboxState.STOPPED, Optional.of("vmm exited: signal 9")), sandboxes.observe(r));

    runtime.statuses.put(dir, new VmStatus(SandboxState.RUNNING, 42, "tcg", Optional.empty()));
    assertEquals(SandboxState.RUNNING, sandboxes.observe(r).state());
    assertTrue(sandboxes.stop(r));
    SandboxRecord after = sandboxes.store().read(r.id()).orElseThrow();
    assertEquals(SandboxState.STOPPED, after.state());
    assertTrue(Instant.parse(after.stoppedAt()).isAfter(Instant.parse("2026-11-22T10:15:00Z")));
    assertFalse(sandboxes.stop(after), "stopping a stopped sandbox is a no-op");

    SandboxRecord created = sandboxes.store().create(record("beta", SandboxState.CREATED));
    assertEquals(new Sandboxes.Observed(SandboxState.CREATED, Optional.empty()), sandboxes.observe(created));
  }

  @Test
  void sessionEnvCarriesPlaceholdersOnlyForStoredSecrets() throws IOException {
    SbxPaths paths = new SbxPaths(home.resolve("c"), home.resolve("d"), home.resolve("k"));
    Sandboxes sandboxes = new Sandboxes(paths, new ScriptedRuntime());
    SandboxRecord r = sandboxes.store().create(record("alpha", SandboxState.CREATED));
    assertEquals(Map.of("A", "1"), sandboxes.sessionEnv(r, Map.of()));
    var secrets = new dev.sbx.proxy.cred.SecretStore(paths.config());
    secrets.set(null, "github", "ghp_0123456789abcdef0123");
    secrets.set("alpha", "anthropic", "sk-ant-0123456789abcdef");
    secrets.set("other", "openai", "sk-0123456789abcdef0123");
    Map<String, String> env = sandboxes.sessionEnv(r, Map.of("A", "2"));
    assertEquals(Map.of("A", "2", "GH_TOKEN", "proxy-managed", "GITHUB_TOKEN", "proxy-managed",
        "ANTHROPIC_API_KEY", "proxy-managed"), env);
  }

  @Test
  void removeDeletesScopedSecretsAndRulesOnly() throws Exception {
    SbxPaths paths = new SbxPaths(home.resolve("c"), home.resolve("d"), home.resolve("k"));
    Sandboxes sandboxes = new Sandboxes(paths, new ScriptedRuntime());
    SandboxRecord r = sandboxes.store().create(record("alpha", SandboxState.CREATED));
    var secrets = new dev.sbx.proxy.cred.SecretStore(paths.config());
    secrets.set(null, "github", "ghp_0123456789abcdef0123");
    secrets.set("alpha", "anthropic", "sk-ant-0123456789abcdef");
    var policy = new dev.sbx.proxy.policy.PolicyStore(paths.config());
    policy.init(dev.sbx.proxy.policy.Preset.fromId("deny-all"));
    policy.add("alpha", dev.sbx.proxy.policy.Rule.Decision.ALLOW, dev.sbx.proxy.policy.RuleParser.parseList("a.example"));
    policy.add(null, dev.sbx.proxy.policy.Rule.Decision.ALLOW, dev.sbx.proxy.policy.RuleParser.parseList("b.example"));
    sandboxes.remove(r);
    assertFalse(Files.exists(sandboxes.dir(r)));
    assertEquals(List.of("github"), secrets.list().stream().map(s -> s.service()).toList());
    assertEquals(List.of("b.example"), policy.load().rules().stream().map(x -> x.resource()).toList());
    assertTrue(Files.isDirectory(home.resolve("c")));
  }
}
