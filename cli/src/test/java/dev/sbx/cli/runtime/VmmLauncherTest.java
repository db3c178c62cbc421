package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher against a real sbx-vmm process that cannot start its VM. */
class VmmLauncherTest {
  @TempDir Path dir;

  @Test
  void aVmThatCannotStartIsReportedInOneLineAndLeavesNothingRunning() throws Exception {
    Path missing = dir.resolve("no-such-workspace");
    new VmSpec("t", "t", "tcg", 1, 256L << 20, 1L << 30, List.of(new VmSpec.WorkspaceMount(missing.toString(), false)),
        Map.of(), List.of()).write(new SandboxFiles(dir).spec());
    List<String> progress = new ArrayList<>();
    UserException e = assertThrows(UserException.class, () -> VmmLauncher.start(dir, Duration.ofMinutes(2), progress::add));
    assertEquals("the sandbox VM did not start: workspace " + missing
        + " is not an existing folder; create it or remove it from the sandbox", e.getMessage());
    assertTrue(progress.get(0).startsWith("starting the sandbox VM (engine tcg)"), progress.toString());
    VmmStatus s = VmmState.read(dir).orElseThrow();
    assertEquals(VmmStatus.ERROR, s.state());
    assertFalse(ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false), "the VMM process is gone");
    SandboxFiles files = new SandboxFiles(dir);
    assertFalse(Files.exists(files.socket()));
    assertFalse(Files.exists(files.pid()));
    assertFalse(Files.exists(files.dataDisk()), "nothing half-made");
  }

  @Test
  void aMissingSpecIsAUserError() {
    UserException e = assertThrows(UserException.class, () -> VmmLauncher.start(dir, Duration.ofSeconds(5), l -> {}));
    assertTrue(e.getMessage().contains("vm.json does not exist"), e.getMessage());
  }

  @Test
  void aSandboxDirectoryTooLongForUnixSocketsIsRefusedBeforeAnythingStarts() throws Exception {
    Path deep = Files.createDirectories(dir.resolve("d".repeat(100)));
    UserException e = assertThrows(UserException.class, () -> VmmLauncher.start(deep, Duration.ofSeconds(5), l -> {}));
    assertTrue(e.getMessage().contains("too long for the VM's Unix sockets")
        && e.getMessage().endsWith("set SBX_HOME or XDG_DATA_HOME to a shorter path"), e.getMessage());
    try (var s = Files.list(deep)) {
      assertEquals(List.of(), s.toList(), "nothing written");
    }
  }
}
