package dev.sbx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SbxPathsTest {
  private static final Path HOME = Path.of("/home/u");

  @Test
  void sbxHomeOverridesEverything() {
    SbxPaths p = SbxPaths.from(Map.of("SBX_HOME", "/tmp/s", "XDG_CONFIG_HOME", "/x"), "Linux", HOME);
    assertEquals(new SbxPaths(Path.of("/tmp/s/config"), Path.of("/tmp/s/data"), Path.of("/tmp/s/cache")), p);
  }

  @Test
  void linuxFollowsXdgAndIgnoresRelativeValues() {
    assertEquals(new SbxPaths(Path.of("/home/u/.config/sbx"), Path.of("/home/u/.local/share/sbx"),
        Path.of("/home/u/.cache/sbx")), SbxPaths.from(Map.of(), "Linux", HOME));
    SbxPaths p = SbxPaths.from(Map.of("XDG_CONFIG_HOME", "/c", "XDG_DATA_HOME", "rel", "XDG_CACHE_HOME", "/k"),
        "Linux", HOME);
    assertEquals(Path.of("/c/sbx"), p.config());
    assertEquals(Path.of("/home/u/.local/share/sbx"), p.data());
    assertEquals(Path.of("/k/sbx"), p.cache());
  }

  @Test
  void macAndWindowsUseTheirConventions() {
    SbxPaths mac = SbxPaths.from(Map.of(), "Mac OS X", HOME);
    assertEquals(Path.of("/home/u/Library/Application Support/sbx"), mac.config());
    assertEquals(Path.of("/home/u/Library/Caches/sbx"), mac.cache());
    SbxPaths win = SbxPaths.from(Map.of("APPDATA", "/r", "LOCALAPPDATA", "/l"), "Windows 11", HOME);
    assertEquals(Path.of("/r/sbx"), win.config());
    assertEquals(Path.of("/l/sbx"), win.data());
    assertEquals(Path.of("/l/sbx/cache"), win.cache());
  }
}
