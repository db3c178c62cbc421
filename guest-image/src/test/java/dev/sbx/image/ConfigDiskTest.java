package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config disk is read by GNU tar in the guest; the same tar reads it here. */
class ConfigDiskTest {

  private static GuestConfig sample() {
    return new GuestConfig("-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n",
        "ssh-ed25519 AAAA host\n", "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n",
        List.of(new GuestConfig.Workspace("ws0", "/home/me/my repo", false),
            new GuestConfig.Workspace("ws1", "/srv/docs", true)),
        Map.of("ANTHROPIC_API_KEY", "proxy-managed", "FOO", "a b=c"), Optional.empty());
  }

  private static String run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    return out;
  }

  @Test
  void gnuTarExtractsTheFilesInitReads(@TempDir Path dir) throws Exception {
    Path disk = dir.resolve("config.img");
    ConfigDisk.write(sample(), disk);
    assertEquals(0, Files.size(disk) % (64 * 1024), "a whole number of 64 KiB blocks");

    Path out = Files.createDirectory(dir.resolve("out"));
    run(out, "tar", "-x", "-f", disk.toString(), "--no-same-owner");
    assertEquals("ssh-ed25519 AAAA host\n", Files.readString(out.resolve("authorized_keys")));
    assertEquals("ws0 rw /home/me/my repo\nws1 ro /srv/docs\n", Files.readString(out.resolve("workspaces")));
    assertEquals("ANTHROPIC_API_KEY=proxy-managed\nFOO=a b=c\n", Files.readString(out.resolve("environment")));
    assertTrue(Files.readString(out.resolve("ca.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(out.resolve("ssh_host_ed25519_key"))));
    assertFalse(Files.exists(out.resolve("test-hook")), "no test hook unless asked for");
  }

  @Test
  void testHookIsExecutable(@TempDir Path dir) throws Exception {
    Path disk = dir.resolve("config.img");
    ConfigDisk.write(GuestConfig.empty().withTestHook("#!/bin/sh\necho hi\n"), disk);
    Path out = Files.createDirectory(dir.resolve("out"));
    run(out, "tar", "-x", "-f", disk.toString());
    assertTrue(Files.isExecutable(out.resolve("test-hook")));
    assertEquals("hi\n", run(out, "./test-hook"));
  }

  @Test
  void replacesAnExistingDiskWhole(@TempDir Path dir) throws Exception {
    Path disk = dir.resolve("config.img");
    Files.write(disk, new byte[300_000]);
    ConfigDisk.write(GuestConfig.empty(), disk);
    assertEquals(64 * 1024, Files.size(disk));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(disk), files.toList(), "no temp file left behind");
    }
  }

  @Test
  void refusesValuesThatWouldBreakTheGuestFiles() {
    assertThrows(IllegalArgumentException.class, () -> new GuestConfig("", "", "", List.of(),
        Map.of("X", "line\nPATH=/evil"), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new GuestConfig("", "", "", List.of(),
        Map.of("X", "it's"), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new GuestConfig("", "", "", List.of(),
        Map.of("BAD-NAME", "v"), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new GuestConfig("", "", "", List.of(),
        Map.of("$(reboot)", "v"), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new GuestConfig("", "", "ca\0", List.of(),
        Map.of(), Optional.empty()));
    for (String path : new String[] {"relative", "/a/../etc", "/..", "/", "/a\nws2 rw /etc"}) {
      assertThrows(IllegalArgumentException.class, () -> new GuestConfig.Workspace("t", path, false), path);
    }
    for (String tag : new String[] {"", "a b", "x".repeat(37), "t\n", "../t"}) {
      assertThrows(IllegalArgumentException.class, () -> new GuestConfig.Workspace(tag, "/w", false), tag);
    }
  }
}
