package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Boots the real guest image under QEMU TCG (microvm, QEMU's virtio-mmio devices) and checks it
 * from the console and from inside, through a test hook on the config disk. Needs the image (built
 * here on first use: root, network to Debian and npm, ~30 min on 2 CPUs) and qemu-system-x86.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestBootE2ETest {

  private static final Duration BOOT_LIMIT = Duration.ofMinutes(20);
  private static final String READY = "SBX-GUEST-READY";

  private final Path work = Path.of("target/e2e-guest");
  private final String token = UUID.randomUUID().toString();
  private GuestImage image;
  private Path dataDisk;
  private String firstConsole;
  private Map<String, GuestConsole.Section> first;
  private int firstExit;

  static Path cacheDir() {
    String home = System.getenv("SBX_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home).resolve("cache");
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("sbx");
  }

  private static Path blankDisk(Path file, long bytes) throws IOException {
    Files.deleteIfExists(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return file;
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
  }

  /**
   * The sandbox's config as the host would make it: sshd host key and the client's public key
   * (ssh-keygen), a proxy CA (openssl), one environment variable.
   */
  private GuestConfig sandboxConfig() throws Exception {
    Path keys = Files.createDirectories(work.resolve("keys"));
    for (String k : new String[] {"host", "client", "host.pub", "client.pub", "ca.key", "ca.crt"}) {
      Files.deleteIfExists(keys.resolve(k));
    }
    run(keys, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", "host");
    run(keys, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "client", "-f", "client");
    run(keys, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=sbx e2e proxy CA");
    return new GuestConfig(Files.readString(keys.resolve("host")),
        Files.readString(keys.resolve("client.pub")), Files.readString(keys.resolve("ca.crt")),
        List.of(), Map.of("ANTHROPIC_API_KEY", "proxy-managed"), Optional.empty());
  }

  private String boot(String name, Path data, String hook) throws Exception {
    return boot(name, data, GuestConfig.empty(), hook);
  }

  private String boot(String name, Path data, GuestConfig base, String hook) throws Exception {
    Path config = work.resolve(name + "-config.img");
    ConfigDisk.write(base.withTestHook("#!/bin/bash\n" + GuestConsole.SECTION_FUNCTION + hook), config);
    try (QemuGuest guest = QemuGuest.boot(image, data, config,
        KernelCommandLine.forTest("sbx-e2e", Instant.now()), work.resolve(name + "-console.log"))) {
      int rc = guest.awaitExit(BOOT_LIMIT);
      String console = guest.console();
      if (name.equals("first")) {
        firstExit = rc;
      }
      return console;
    }
  }

  @BeforeAll
  void bootOnce() throws Exception {
    Files.createDirectories(work);
    image = new ImageManager(cacheDir()).ensure(step -> System.err.println("image build: " + step));
    dataDisk = blankDisk(work.resolve("data.img"), 8L << 30);
    GuestConfig config = sandboxConfig();
    // sshd is reached through socat's EXEC of `sshd -i` on vsock 22; QEMU here has no vsock
    // device, so the test runs the same `sshd -i` as the ssh client's ProxyCommand instead.
    String ssh = """
        umask 077
        cat > /root/client <<'KEY'
        %sKEY
        echo "sandbox %s" > /root/known_hosts
        ssh -i /root/client -o UserKnownHostsFile=/root/known_hosts -o BatchMode=yes \\
          -o ProxyCommand='/usr/sbin/sshd -i' agent@sandbox "$@"
        """.formatted(Files.readString(work.resolve("keys/client")),
            Files.readString(work.resolve("keys/host.pub")).strip().replaceAll(" host$", ""));
    String hook = "ssh_session() {\n" + ssh + "}\n" + """
        section ssh ssh_session 'id -un; echo "$ANTHROPIC_API_KEY"; echo "$NODE_EXTRA_CA_CERTS"'
        section ca openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt /run/sbx/config/ca.crt
        section listeners sh -c 'ps -eo args | grep "^socat" | sort'
        section hostname hostname
        section docker-info docker info
        section sudo as_agent 'sudo -n true && echo sudo-ok'
        section docker-root findmnt -n -o SOURCE --target /var/lib/docker
        section root-fs findmnt -n -o FSTYPE /
        section claude as_agent 'claude --version'
        section codex as_agent 'codex --version'
        section gemini as_agent 'gemini --version'
        section opencode as_agent 'opencode --version'
        section copilot as_agent 'copilot --version'
        section node as_agent 'node --version'
        section proxy-env as_agent 'echo "$HTTPS_PROXY"'
        section docker-build as_agent 'set -e
          mkdir -p ~/hello && cd ~/hello
          printf "#include <stdio.h>\\nint main(void){puts(\\"hello from scratch\\");return 0;}\\n" > hello.c
          gcc -static -O2 -o hello hello.c
          printf "FROM scratch\\nCOPY hello /hello\\nCMD [\\"/hello\\"]\\n" > Dockerfile
          docker build -q -t sbx-hello . >/dev/null
          docker run --rm sbx-hello'
        section write-home as_agent 'echo %s > ~/persist.txt && sync && cat ~/persist.txt'
        reboot
        """.formatted(token);
    firstConsole = boot("first", dataDisk, config, hook);
    first = GuestConsole.sections(firstConsole);
  }

  private GuestConsole.Section section(String name) {
    GuestConsole.Section s = first.get(name);
    assertNotNull(s, "no result for " + name + " on the console; see " + work.resolve("first-console.log"));
    assertEquals(0, s.rc(), name + " failed:\n" + s.output());
    return s;
  }

  @Test
  void readyMarkerAppearsOnTheConsole() {
    assertTrue(firstConsole.lines().anyMatch(l -> l.startsWith(READY)), "no ready marker");
    assertEquals("sbx-e2e", section("hostname").output().strip());
  }

  @Test
  void dockerEngineRuns() {
    assertTrue(section("docker-info").output().contains("Storage Driver: overlay2"),
        first.get("docker-info").output());
    assertTrue(section("docker-info").output().contains("Cgroup Version: 2"));
  }

  @Test
  void dockerBuildsAndRunsAScratchImageWithoutARegistry() {
    assertEquals("hello from scratch", section("docker-build").output().strip());
  }

  @Test
  void everyAgentCliAnswersVersion() {
    for (String cli : new String[] {"claude", "codex", "gemini", "opencode", "copilot"}) {
      assertTrue(section(cli).output().matches("(?s).*\\d+\\.\\d+.*"), cli + ": " + first.get(cli).output());
    }
    assertTrue(section("node").output().strip().matches("v(2[2-9]|[3-9]\\d)\\..*"), first.get("node").output());
  }

  @Test
  void agentHasPasswordlessSudo() {
    assertEquals("sudo-ok", section("sudo").output().strip());
  }

  @Test
  void dockerDataAndRootLiveOnTheDataDisk() {
    assertTrue(section("docker-root").output().strip().startsWith("/dev/vdb"),
        first.get("docker-root").output());
    assertEquals("overlay", section("root-fs").output().strip());
  }

  @Test
  void sshdServesTheSandboxKeysAsAgentWithTheSandboxEnvironment() {
    assertEquals(List.of("agent", "proxy-managed", "/usr/local/share/ca-certificates/sbx-proxy.crt"),
        section("ssh").output().strip().lines().toList());
  }

  @Test
  void proxyCaIsInTheSystemTrustStore() {
    assertTrue(section("ca").output().strip().endsWith(": OK"), first.get("ca").output());
  }

  @Test
  void vsockListenersAndEgressForwardersRun() {
    assertEquals(List.of(
        "socat TCP-LISTEN:3128,bind=127.0.0.1,reuseaddr,fork VSOCK-CONNECT:2:3128",
        "socat TCP-LISTEN:3128,bind=172.17.0.1,reuseaddr,fork VSOCK-CONNECT:2:3128",
        "socat VSOCK-LISTEN:22,reuseaddr,fork EXEC:/usr/sbin/sshd -i"),
        section("listeners").output().strip().lines().toList());
  }

  @Test
  void sessionsGetTheProxy() {
    assertEquals("http://127.0.0.1:3128", section("proxy-env").output().strip());
  }

  @Test
  void initWrites123ToTheBootTimerPortAfterTheReadyMarker() throws Exception {
    // isa-debug-exit on port 0x3f0 ends QEMU with status (value << 1) | 1 on the first write.
    Path config = work.resolve("timer-config.img");
    ConfigDisk.write(GuestConfig.empty(), config);
    try (QemuGuest guest = QemuGuest.boot(image, blankDisk(work.resolve("timer.img"), 1L << 30), config,
        KernelCommandLine.of("sbx-timer", Instant.now()), work.resolve("timer-console.log"),
        List.of("-device", "isa-debug-exit,iobase=0x3f0,iosize=1"))) {
      assertEquals((123 << 1) | 1, guest.awaitExit(BOOT_LIMIT), guest.tail(2000));
      assertTrue(guest.console().lines().anyMatch(l -> l.startsWith(READY)), "write before the marker");
    }
  }

  @Test
  void rebootFromInsideEndsTheVmAndHomeSurvivesOnlyWithTheSameDisk() throws Exception {
    assertEquals(token, section("write-home").output().strip());
    assertTrue(firstConsole.contains("reboot: data disk synced"), "init did not sync before ending");
    assertEquals(0, firstExit, "QEMU exit status after an in-guest reboot");

    String again = boot("same-disk", dataDisk, """
        section read-home as_agent 'cat ~/persist.txt'
        poweroff
        """);
    Map<String, GuestConsole.Section> second = GuestConsole.sections(again);
    assertNotNull(second.get("read-home"), "no result on the console; see same-disk-console.log");
    assertEquals(token, second.get("read-home").output().strip());
    assertTrue(again.contains("poweroff: data disk synced"));

    Path fresh = blankDisk(work.resolve("fresh.img"), 8L << 30);
    String third = boot("fresh-disk", fresh, """
        section read-home as_agent 'test ! -e ~/persist.txt && echo absent'
        poweroff
        """);
    Map<String, GuestConsole.Section> sections = GuestConsole.sections(third);
    assertNotNull(sections.get("read-home"), "no result on the console; see fresh-disk-console.log");
    assertEquals("absent", sections.get("read-home").output().strip());
    assertFalse(third.contains(token));
  }
}
