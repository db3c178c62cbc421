package dev.sbx.cli.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sbx.cli.SbxPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdleStopTest {
  @TempDir Path home;

  @Test
  void stopsOnlyAfterTheWholeIdleTimeWithoutSessions() throws Exception {
    SandboxStoreTest.ScriptedRuntime runtime = new SandboxStoreTest.ScriptedRuntime();
    Sandboxes sandboxes = new Sandboxes(new SbxPaths(home.resolve("c"), home.resolve("d"), home.resolve("k")), runtime);
    SandboxRecord r = sandboxes.store().create(SandboxStoreTest.record("alpha", SandboxState.RUNNING));
    Path dir = sandboxes.dir(r);
    VmStatus up = new VmStatus(SandboxState.RUNNING, 1, "tcg", Optional.empty());
    runtime.statuses.put(dir, up);
    Path last = dir.resolve(IdleStop.LAST_SESSION);

    // A session ended after this watcher was scheduled: the later watcher decides.
    Files.writeString(last, Instant.now().plusSeconds(3600).toString());
    IdleStop.watch(sandboxes, r.id(), Duration.ZERO);
    assertEquals(SandboxState.RUNNING, sandboxes.observe(r).state());

    // A session is open.
    Files.writeString(last, Instant.now().minusSeconds(3600).toString());
    try (SandboxLock session = sandboxes.openSession(r)) {
      IdleStop.watch(sandboxes, r.id(), Duration.ZERO);
    }
    assertEquals(SandboxState.RUNNING, sandboxes.observe(r).state());

    IdleStop.watch(sandboxes, r.id(), Duration.ZERO);
    assertEquals(SandboxState.STOPPED, sandboxes.observe(r).state());
  }
}
