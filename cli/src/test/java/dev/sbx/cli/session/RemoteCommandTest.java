package dev.sbx.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The remote command line run by a real bash, as the guest's sshd would run it. */
class RemoteCommandTest {
  @TempDir Path dir;

  record Ran(int exit, String out, String err) {}

  private Ran bash(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", command).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Ran(p.waitFor(), out, err);
  }

  @Test
  void argumentsReachTheProgramVerbatim() throws Exception {
    String hostile = "it's $(touch " + dir.resolve("pwned") + ") `id` \"q\" ; * \\ \n end";
    Ran r = bash(RemoteCommand.build(List.of("printf", "%s|", hostile, "$HOME", "*"), dir.toString(),
        Map.of("X_Y", "a'b $Z"), null, false));
    assertEquals(0, r.exit(), r.err());
    assertEquals(hostile + "|$HOME|*|", r.out());
    assertTrue(Files.notExists(dir.resolve("pwned")));
  }

  @Test
  void environmentAndWorkdir() throws Exception {
    Ran r = bash(RemoteCommand.build(List.of("sh", "-c", "pwd; printf %s \"$X_Y\""), dir.toString(),
        Map.of("X_Y", "a'b $Z"), null, false));
    assertEquals(dir.toRealPath() + "\na'b $Z", r.out());
  }

  @Test
  void dockerExecStatuses() throws Exception {
    assertEquals(3, bash(RemoteCommand.build(List.of("sh", "-c", "exit 3"), dir.toString(), Map.of(), null, false)).exit());
    Ran missingDir = bash(RemoteCommand.build(List.of("true"), dir.resolve("nope").toString(), Map.of(), null, false));
    assertEquals(125, missingDir.exit());
    assertTrue(missingDir.err().contains("cannot enter the working directory"), missingDir.err());
    assertEquals(127, bash(RemoteCommand.build(List.of("no-such-program-xyz"), dir.toString(), Map.of(), null, false))
        .exit());
    Path notExec = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
    assertEquals(126, bash(RemoteCommand.build(List.of(notExec.toString()), dir.toString(), Map.of(), null, false))
        .exit());
  }

  @Test
  void detachedReturnsWhileTheCommandStillRuns() throws Exception {
    Path go = dir.resolve("go");
    Path marker = dir.resolve("marker");
    // The command can only finish after the test has seen the launch return.
    Ran r = bash(RemoteCommand.build(List.of("sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; touch marker"),
        dir.toString(), Map.of(), null, true));
    assertEquals(0, r.exit());
    assertTrue(Files.notExists(marker));
    Files.writeString(go, "");
    for (int i = 0; i < 600 && Files.notExists(marker); i++) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(marker), "the detached command ran to its end");
  }
}
