package dev.sbx.cli.sandbox;

import dev.sbx.cli.session.PortSpec;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.EngineChoice;
import dev.sbx.cli.engine.EngineSelector;
import dev.sbx.cli.image.BuildProgress;
import dev.sbx.cli.settings.Settings;
import dev.sbx.image.GuestImage;
import dev.sbx.image.ImageBuildException;
import dev.sbx.image.ImageManager;
import dev.sbx.proxy.cred.SecretStore;
import dev.sbx.proxy.policy.PolicyStore;
import dev.sbx.proxy.policy.Rule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sandbox lifecycle over the store and the runtime: reconciled state, start on demand, stop,
 * remove with everything scoped to the sandbox. Commands hold one of these per invocation.
 */
public final class Sandboxes {
  /** Graceful guest shutdown before the VMM is killed (sbx-cli.md §1.2). */
  public static final Duration STOP_GRACE = Duration.ofSeconds(30);
  /** Boot to ready is 15-20 s under TCG on a quiet 2-CPU host; leave room for a busy one. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  static final String SESSION_LOCK = "session.lock";

  /** A sandbox's state as of now, after comparing the record with the VMM process. */
  public record Observed(SandboxState state, Optional<String> reason) {
    public String label() {
      return state == SandboxState.STOPPED && reason.isPresent() ? "stopped (crashed)" : state.text();
    }
  }

  private final SbxPaths paths;
  private final SandboxStore store;
  private final VmRuntime runtime;

  public Sandboxes(SbxPaths paths, VmRuntime runtime) {
    this.paths = paths;
    this.store = SandboxStore.of(paths);
    this.runtime = runtime;
  }

  public static Sandboxes fromEnvironment() {
    return new Sandboxes(SbxPaths.fromEnvironment(), new VmmRuntime());
  }

  public SbxPaths paths() {
    return paths;
  }

  public SandboxStore store() {
    return store;
  }

  public VmRuntime runtime() {
    return runtime;
  }

  public Path dir(SandboxRecord r) {
    return store.dir(r.id());
  }

  /** Recorded state reconciled with the live process: a dead VMM never shows as running. */
  public Observed observe(SandboxRecord r) {
    Optional<VmStatus> vm = runtime.status(dir(r));
    if (vm.isPresent() && vm.get().state().live()) {
      return new Observed(vm.get().state(), Optional.empty());
    }
    if (r.state().live()) {
      Optional<String> why = vm.flatMap(VmStatus::reason).or(() -> Optional.of("vmm not running"));
      SandboxState s = vm.map(VmStatus::state).filter(x -> x == SandboxState.ERROR).orElse(SandboxState.STOPPED);
      return new Observed(s, why);
    }
    return new Observed(r.state(), Optional.ofNullable(r.stateReason()));
  }

  public boolean running(SandboxRecord r) {
    return observe(r).state() == SandboxState.RUNNING;
  }

  /**
   * Boots the sandbox unless it already runs: workspaces present, image built (with progress),
   * engine usable; the record follows starting, then running or error with the reason.
   */
  public SandboxRecord ensureRunning(SandboxRecord r, Optional<String> engineOverride, PrintWriter err) {
    try (SandboxLock ignored = store.lock(r.id())) {
      SandboxRecord current = store.read(r.id()).orElseThrow(() -> new UserException("sandbox " + r.name()
          + " was removed meanwhile"));
      if (running(current)) {
        SandboxRecord used = current.withState(SandboxState.RUNNING, null, Instant.now()).usedAt(Instant.now(), null);
        store.save(used);
        return used;
      }
      for (Workspace w : current.workspaces()) {
        if (!Files.isDirectory(Path.of(w.path()))) {
          throw new UserException("workspace " + w.path() + " of sandbox " + current.name()
              + " is missing; restore it, or remove the sandbox with 'sbx rm " + current.name() + "'");
        }
      }
      GuestImage image = ensureImage(err);
      Settings settings = Settings.load(paths);
      String requested = engineOverride.orElse(current.engine());
      if (requested == null || requested.equals("auto")) {
        requested = settings.engine() == null ? "auto" : settings.engine();
      }
      EngineChoice engine = EngineSelector.select(requested, EngineSelector.probeHost());
      engine.warning().ifPresent(w -> err.println("warning: " + w));
      LaunchSpec spec = new LaunchSpec(current.id(), current.name(), engine.engine(), current.cpus(),
          current.memoryBytes(), current.diskBytes(), current.workspaces(), current.environment(), current.publish());
      store.save(current.withState(SandboxState.STARTING, null, Instant.now()));
      try {
        runtime.start(dir(current), spec, READY_TIMEOUT, line -> {
          err.println(line);
          err.flush();
        });
      } catch (RuntimeException e) {
        store.save(current.withState(SandboxState.ERROR, e.getMessage(), Instant.now()));
        throw e;
      }
      SandboxRecord up = current.withState(SandboxState.RUNNING, null, Instant.now())
          .usedAt(Instant.now(), image.version());
      store.save(up);
      reportUnpublished(up, err);
      return up;
    } catch (IOException e) {
      throw new UserException("cannot update sandbox " + r.name() + ": " + e.getMessage());
    }
  }

  /** A stored mapping the VMM could not publish again (its host port taken meanwhile) is reported. */
  private void reportUnpublished(SandboxRecord r, PrintWriter err) {
    if (r.publish().isEmpty()) {
      return;
    }
    try {
      List<PortSpec> live = runtime.ports(dir(r));
      for (String s : r.publish()) {
        PortSpec want = PortSpec.parse(s);
        boolean up = live.stream().anyMatch(p -> p.sandboxPort() == want.sandboxPort() && p.hostIp().equals(want.hostIp())
            && (want.hostPort() == 0 || p.hostPort() == want.hostPort()));
        if (!up) {
          err.println("warning: " + want.display() + " could not be published again (host port in use?); "
              + "see 'sbx ports " + r.name() + "' and publish another with --publish");
        }
      }
    } catch (IOException e) {
      err.println("warning: cannot list the published ports: " + e.getMessage());
    }
  }

  /** The guest image of this version, built first if missing (minutes; progress on stderr). */
  public GuestImage ensureImage(PrintWriter err) {
    ImageManager images = new ImageManager(paths.cache());
    Optional<GuestImage> current = images.current();
    if (current.isPresent()) {
      return current.get();
    }
    BuildProgress progress = new BuildProgress(err, false);
    progress.announce(images.currentVersion(), images.cacheRoot());
    try {
      return images.ensure(progress);
    } catch (ImageBuildException e) {
      throw new UserException("image build failed: " + e.getMessage() + "; retry with 'sbx image build -v'", 1, e);
    } catch (IOException e) {
      throw new UserException("image build failed: " + e.getMessage(), 1, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException("image build interrupted");
    }
  }

  /** Stops a running sandbox (graceful, forced after 30 s); returns false if it was not running. */
  public boolean stop(SandboxRecord r) {
    try (SandboxLock ignored = store.lock(r.id())) {
      SandboxRecord current = store.read(r.id()).orElse(r);
      boolean was = runtime.status(dir(current)).map(s -> s.state().live()).orElse(false);
      if (was) {
        store.save(current.withState(SandboxState.STOPPING, null, Instant.now()));
        runtime.stop(dir(current), STOP_GRACE);
      }
      if (was || current.state().live()) {
        store.save(current.withState(SandboxState.STOPPED, null, Instant.now()));
      }
      return was;
    } catch (IOException e) {
      throw new UserException("cannot stop sandbox " + r.name() + ": " + e.getMessage());
    }
  }

  /** Whether a {@code run}, {@code exec} or {@code cp} holds a session on the sandbox. */
  public boolean hasActiveSession(SandboxRecord r) {
    try {
      Optional<SandboxLock> l = SandboxLock.tryExclusive(dir(r).resolve(SESSION_LOCK));
      if (l.isEmpty()) {
        return true;
      }
      l.get().close();
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** Marks a session open for as long as the returned lock is held. */
  public SandboxLock openSession(SandboxRecord r) throws IOException {
    return SandboxLock.shared(dir(r).resolve(SESSION_LOCK));
  }

  /**
   * Deletes the sandbox: stops it, removes its directory (disk, keys, sockets, logs, record), its
   * scoped secrets and its scoped policy rules. Never anything in a workspace.
   */
  public void remove(SandboxRecord r) throws IOException {
    stop(r);
    new SecretStore(paths.config()).remove(r.name(), null);
    PolicyStore policy = new PolicyStore(paths.config());
    List<Rule> scoped = policy.load().rules().stream().filter(x -> r.name().equals(x.sandbox())).toList();
    if (!scoped.isEmpty()) {
      policy.remove(scoped);
    }
    store.delete(r.id());
  }

  /**
   * The environment of a new session: the creation-time {@code -e} values, then the
   * {@code proxy-managed} placeholders of services with a secret for this sandbox, then this
   * session's own values.
   */
  public Map<String, String> sessionEnv(SandboxRecord r, Map<String, String> extra) {
    Map<String, String> env = new TreeMap<>(r.environment());
    Set<String> services = new HashSet<>();
    try {
      for (SecretStore.Secret s : new SecretStore(paths.config()).list()) {
        if (s.sandbox() == null || s.sandbox().equals(r.name())) {
          services.add(s.service());
        }
      }
    } catch (IOException e) {
      throw new UserException(e.getMessage());
    }
    env.putAll(Placeholders.forServices(services));
    env.putAll(extra);
    return env;
  }
}
