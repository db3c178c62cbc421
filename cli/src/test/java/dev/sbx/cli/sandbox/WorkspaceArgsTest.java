package dev.sbx.cli.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.cli.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceArgsTest {
  @TempDir Path dir;

  @Test
  void absoluteNormalisedPrimaryFirst() throws IOException {
    Files.createDirectories(dir.resolve("proj"));
    Files.createDirectories(dir.resolve("docs"));
    assertEquals(List.of(new Workspace(dir.resolve("proj").toString(), false),
            new Workspace(dir.resolve("docs").toString(), true)),
        WorkspaceArgs.parse(List.of("proj/../proj/.", dir.resolve("docs") + ":ro"), dir));
    assertEquals(List.of(new Workspace(dir.resolve("proj").toString(), false),
            new Workspace(dir.resolve("docs").toString(), true)),
        WorkspaceArgs.parse(List.of("proj", "docs:readonly"), dir));
  }

  @Test
  void refusals() throws IOException {
    Files.createDirectories(dir.resolve("proj/sub"));
    Files.writeString(dir.resolve("file"), "x");
    assertEquals("primary workspace must be read/write (remove ':ro' or ':readonly')",
        assertThrows(UserException.class, () -> WorkspaceArgs.parse(List.of("proj:ro"), dir)).getMessage());
    assertEquals(1, assertThrows(UserException.class, () -> WorkspaceArgs.parse(List.of("missing"), dir)).exitCode());
    assertEquals(1, assertThrows(UserException.class, () -> WorkspaceArgs.parse(List.of("file"), dir)).exitCode());
    assertEquals(2, assertThrows(UserException.class, () -> WorkspaceArgs.parse(List.of("proj", "proj/sub"), dir))
        .exitCode());
    assertEquals(2, assertThrows(UserException.class, () -> WorkspaceArgs.parse(List.of("proj", "proj/."), dir))
        .exitCode());
  }
}
