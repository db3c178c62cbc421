package dev.sbx.cli.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.SbxProcess;
import dev.sbx.cli.UserException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path home;

  SbxPaths paths() {
    return new SbxPaths(home.resolve("config"), home.resolve("data"), home.resolve("cache"));
  }

  @Test
  void envVarNames() {
    assertEquals("SBX_ENGINE", SettingKey.ENGINE.envVar());
    assertEquals("SBX_SANDBOX_IDLE_STOP", SettingKey.SANDBOX_IDLE_STOP.envVar());
    assertEquals("SBX_SANDBOX_DISK_SIZE", SettingKey.SANDBOX_DISK_SIZE.envVar());
    assertEquals("SBX_PROXY_RESOLVE", SettingKey.PROXY_RESOLVE.envVar());
    assertEquals("SBX_PROXY_UPSTREAM_CA", SettingKey.PROXY_UPSTREAM_CA.envVar());
  }

  @Test
  void defaultsOverridesAndEnvPrecedence() throws Exception {
    Settings s = Settings.load(paths(), Map.of());
    assertEquals(null, s.engine());
    assertEquals(Duration.ofSeconds(60), s.idleStop());
    assertEquals(30L << 30, s.diskSize());
    assertTrue(s.proxyResolve().entries().isEmpty());
    assertTrue(s.proxyUpstreamCa().isEmpty());
    s.set(SettingKey.ENGINE, "tcg");
    s.set(SettingKey.SANDBOX_IDLE_STOP, "0");
    s.set(SettingKey.PROXY_RESOLVE, "api.anthropic.com:443=127.0.0.1:9443");
    Settings again = Settings.load(paths(), Map.of());
    assertEquals("tcg", again.engine());
    assertEquals(Duration.ZERO, again.idleStop());
    assertEquals(Settings.Source.OVERRIDE, again.get(SettingKey.ENGINE).source());
    assertEquals(1, again.proxyResolve().entries().size());
    Settings env = Settings.load(paths(), Map.of("SBX_ENGINE", "kvm"));
    assertEquals("kvm", env.engine());
    assertEquals(Settings.Source.ENV, env.get(SettingKey.ENGINE).source());
    assertTrue(again.unset(SettingKey.ENGINE));
    assertEquals(Settings.Source.DEFAULT, Settings.load(paths(), Map.of()).get(SettingKey.ENGINE).source());
  }

  @Test
  void wrongTypesRefusedAndBadEnvNamed() throws Exception {
    Settings s = Settings.load(paths(), Map.of());
    assertThrows(IllegalArgumentException.class, () -> s.set(SettingKey.ENGINE, "qemu"));
    assertThrows(IllegalArgumentException.class, () -> s.set(SettingKey.SANDBOX_IDLE_STOP, "soon"));
    assertThrows(IllegalArgumentException.class, () -> s.set(SettingKey.SANDBOX_DISK_SIZE, "10m"));
    assertThrows(IllegalArgumentException.class, () -> s.set(SettingKey.PROXY_RESOLVE, "a.example=not-an-ip"));
    assertThrows(IllegalArgumentException.class, () -> s.set(SettingKey.PROXY_UPSTREAM_CA, "relative.pem"));
    assertTrue(!Files.exists(s.file()), "nothing written");
    UserException e = assertThrows(UserException.class,
        () -> Settings.load(paths(), Map.of("SBX_SANDBOX_IDLE_STOP", "later")).idleStop());
    assertTrue(e.getMessage().contains("SBX_SANDBOX_IDLE_STOP"), e.getMessage());
  }

  @Test
  void closestKey() {
    assertEquals(SettingKey.SANDBOX_IDLE_STOP, SettingKey.closest("sandbox.idlestop"));
    assertEquals(SettingKey.PROXY_UPSTREAM_CA, SettingKey.closest("proxy.upstream_ca"));
  }

  @Test
  void commandLine() throws Exception {
    SbxProcess sbx = new SbxProcess(home, Map.of("SBX_SANDBOX_DISK_SIZE", "40g"));
    assertEquals(0, sbx.run("settings", "set", "engine", "tcg").exit());
    SbxProcess.Result get = sbx.run("settings", "get", "engine");
    assertEquals("tcg\n", get.out());
    SbxProcess.Result json = sbx.run("settings", "get", "sandbox.disk.size", "--json");
    assertTrue(json.out().contains("\"value\" : \"40g\"") && json.out().contains("\"source\" : \"env\"")
        && json.out().contains("\"env\" : \"SBX_SANDBOX_DISK_SIZE\""), json.out());
    SbxProcess.Result ls = sbx.run("settings", "ls");
    assertTrue(ls.out().startsWith("KEY"), ls.out());
    assertTrue(ls.out().contains("engine") && ls.out().contains("override"), ls.out());
    SbxProcess.Result unknown = sbx.run("settings", "get", "sandbox.idlestop");
    assertEquals(1, unknown.exit());
    assertEquals("ERROR: unknown setting 'sandbox.idlestop'; did you mean 'sandbox.idleStop'? (see 'sbx settings ls')\n",
        unknown.err());
    SbxProcess.Result bad = sbx.run("settings", "set", "sandbox.idleStop", "soon");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().startsWith("ERROR: sandbox.idleStop: invalid duration"), bad.err());
    assertEquals(0, sbx.run("settings", "unset", "engine").exit());
    assertEquals("auto\n", sbx.run("settings", "get", "engine").out());
  }
}
