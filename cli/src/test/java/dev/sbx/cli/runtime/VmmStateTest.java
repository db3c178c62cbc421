package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmmStateTest {
  @TempDir Path dir;

  private static final ProcessHandle SELF = ProcessHandle.current();
  private static final Instant SELF_START = SELF.info().startInstant().orElseThrow();

  @Test
  void statusJsonRoundTrips() throws Exception {
    VmmStatus s = new VmmStatus("error", 42, "tcg", Instant.parse("2026-11-23T04:00:00Z"), Optional.of("qemu exited: signal 9"));
    assertEquals(s, VmmStatus.fromJson(s.toJson()));
    assertTrue(!s.toJson().contains("\n"));
    VmmStatus none = s.with(VmmStatus.RUNNING, Optional.empty());
    assertEquals(none, VmmStatus.fromJson(none.toJson()));
  }

  @Test
  void hostileStatusJsonIsRefused() {
    assertThrows(IOException.class, () -> VmmStatus.fromJson("{\"state\":\"pwned\",\"pid\":1,\"engine\":\"tcg\",\"startedAt\":\"2026-01-01T00:00:00Z\"}"));
    assertThrows(IOException.class, () -> VmmStatus.fromJson("{\"state\":\"running\",\"pid\":1,\"engine\":\"tcg\",\"startedAt\":\"yesterday\"}"));
    assertThrows(IOException.class, () -> VmmStatus.fromJson("{\"state\":\"running\"}"));
    assertThrows(IOException.class, () -> VmmStatus.fromJson("[1,2]"));
    assertEquals(2000, new VmmStatus("error", 1, "tcg", Instant.EPOCH, Optional.of("x".repeat(5000))).reason().get().length());
  }

  @Test
  void liveStateOfALiveProcessIsKept() throws Exception {
    VmmStatus s = new VmmStatus(VmmStatus.RUNNING, SELF.pid(), "tcg", SELF_START, Optional.empty());
    VmmState.write(dir, s);
    assertEquals(Optional.of(s), VmmState.read(dir));
  }

  @Test
  void liveStateOfADeadProcessReadsAsErrorWithTheReason() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    VmmState.write(dir, new VmmStatus(VmmStatus.RUNNING, p.pid(), "tcg", Instant.now(), Optional.empty()));
    VmmStatus s = VmmState.read(dir).orElseThrow();
    assertEquals(VmmStatus.ERROR, s.state());
    assertTrue(s.reason().orElseThrow().contains("ended without saying why"), s.toString());
    assertTrue(s.reason().orElseThrow().contains("last state: running"), s.toString());
  }

  @Test
  void aReusedPidIsNotTakenForTheVmm() throws Exception {
    // This process is alive, but it started long before the recorded start: another process.
    VmmState.write(dir, new VmmStatus(VmmStatus.STARTING, SELF.pid(), "tcg", SELF_START.plusSeconds(3600),
        Optional.empty()));
    assertEquals(VmmStatus.ERROR, VmmState.read(dir).orElseThrow().state());
  }

  @Test
  void endedStatesAreReportedAsWritten() throws Exception {
    VmmStatus s = new VmmStatus(VmmStatus.STOPPED, 999_999_999L, "tcg", Instant.EPOCH, Optional.of("stopped by sbx"));
    VmmState.write(dir, s);
    assertEquals(Optional.of(s), VmmState.read(dir));
  }

  @Test
  void missingOrGarbageStateReadsAsNone() throws Exception {
    assertEquals(Optional.empty(), VmmState.read(dir));
    Files.writeString(new SandboxFiles(dir).state(), "{not json");
    assertEquals(Optional.empty(), VmmState.read(dir));
    Files.write(new SandboxFiles(dir).state(), new byte[100_000]);
    assertEquals(Optional.empty(), VmmState.read(dir));
  }
}
