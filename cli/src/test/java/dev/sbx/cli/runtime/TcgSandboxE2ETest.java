package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxPaths;
import dev.sbx.image.ImageManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A sandbox VM on the tcg engine, end to end: the real sbx-vmm process (started by {@link
 * VmmLauncher}), QEMU TCG with our devices over vhost-user, and the real guest image. Checks go
 * through the control socket and an SSH session over vsock with the sandbox's keys. Needs the
 * guest image (built on first use, see docs/guest.md), qemu-system-x86 and ssh-keygen.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TcgSandboxE2ETest {
  private static final Duration READY = Duration.ofMinutes(10);
  private static final Duration COMMAND = Duration.ofMinutes(2);

  private final String token = UUID.randomUUID().toString();
  private SandboxFiles files;
  private Path workspace;

  @BeforeAll
  void startSandbox() throws Exception {
    SbxPaths paths = SbxPaths.fromEnvironment();
    shareImageCache(paths);
    new ImageManager(paths.cache()).ensure(step -> System.err.println("image build: " + step));
    String id = "e2e-" + token.substring(0, 8);
    files = new SandboxFiles(paths.data().resolve("sandboxes").resolve(id));
    Files.createDirectories(files.sshDir());
    run(files.sshDir(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "client", "-f", "id_ed25519");
    run(files.sshDir(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", "ssh_host_ed25519_key");
    workspace = Files.createDirectories(Path.of("target", "e2e-workspace-" + id).toAbsolutePath());
    new VmSpec(id, "sbx-e2e", "tcg", 2, 2L << 30, 8L << 30,
        List.of(new VmSpec.WorkspaceMount(workspace.toString(), false)), Map.of("SBX_E2E", token), List.of())
        .write(files.spec());
    start();
  }

  /**
   * Tests run with their own SBX_HOME; the guest image is big and built once per machine, so the
   * user's image cache is shared into it.
   */
  private static void shareImageCache(SbxPaths paths) throws IOException {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path user = (xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
        .resolve("sbx").resolve("images");
    Path mine = paths.cache().resolve("images");
    if (!Files.exists(mine, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(user);
      Files.createDirectories(paths.cache());
      Files.createSymbolicLink(mine, user);
    }
  }

  private VmmStatus start() {
    return VmmLauncher.start(files.dir(), READY, line -> System.err.println("sbx-vmm: " + line));
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
  }

  private VmmControl control() {
    return VmmControl.connect(files.dir()).orElseThrow(() -> new AssertionError("no live VMM for " + files.dir()));
  }

  private GuestSsh.Result ssh(String command) throws IOException {
    GuestSsh.Result r = GuestSsh.exec(control().openVsock(22), files, command, COMMAND);
    assertEquals(0, r.exitStatus(), command + ": " + r.stdout() + r.stderr());
    return r;
  }

  /** The QEMU process of the running VMM. */
  private ProcessHandle qemu(long vmmPid) {
    return ProcessHandle.of(vmmPid).orElseThrow().children()
        .filter(p -> p.info().command().map(c -> c.contains("qemu-system")).orElse(false))
        .findFirst().orElseThrow(() -> new AssertionError("the VMM has no QEMU child"));
  }

  /** Nothing of a stopped VMM remains: process, QEMU, control socket, private sockets, pid file. */
  private void assertNothingLeft(long vmmPid, long qemuPid) throws Exception {
    for (long pid : new long[] {vmmPid, qemuPid}) {
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isPresent()) {
        p.get().onExit().get(60, TimeUnit.SECONDS);
      }
    }
    assertFalse(Files.exists(files.socket()), "control socket removed");
    assertFalse(Files.exists(files.pid()), "pid file removed");
    try (Stream<Path> left = Files.list(files.runDir())) {
      assertEquals(List.of(), left.toList(), "private sockets removed");
    }
    assertTrue(VmmControl.connect(files.dir()).isEmpty());
  }

  @Test
  @Order(1)
  void guestBecomesReadyAndTheControlSocketReportsIt() throws Exception {
    VmmStatus s = control().status();
    assertEquals(VmmStatus.RUNNING, s.state());
    assertEquals("tcg", s.engine());
    assertEquals(Optional.of(s), VmmState.read(files.dir()).map(x -> x));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.socket())));
    assertTrue(Files.readString(files.console()).contains("SBX-GUEST-READY"));
  }

  @Test
  @Order(2)
  void vsockThroughTheControlSocketReachesSshd() throws Exception {
    try (SocketChannel ch = control().openVsock(22)) {
      assertTrue(LineReader.read(ch, 256).startsWith("SSH-2.0-OpenSSH"));
    }
  }

  @Test
  @Order(3)
  void fileWrittenInTheWorkspaceAppearsOnTheHost() throws Exception {
    Path file = workspace.resolve("from-guest.txt");
    GuestSsh.Result r = ssh("echo \"$SBX_E2E\" > " + file + " && id -un");
    assertEquals("agent", r.stdout().strip());
    assertEquals(token, Files.readString(file).strip());
  }

  @Test
  @Order(4)
  void egressForwarderReachesTheProxyOnVsock3128() throws Exception {
    String host = "blocked-" + token.substring(0, 8) + ".invalid";
    GuestSsh.Result r = ssh("curl -s -o /dev/null -w '%{http_code}' -x http://127.0.0.1:3128 http://" + host + "/");
    assertEquals("403", r.stdout().strip(), "the sandbox proxy refuses what the policy does not allow");
    assertTrue(Files.readString(files.proxyLog()).contains(host), "the proxy logged the decision");
  }

  @Test
  @Order(5)
  void stopThenStartKeepsTheDataDisk() throws Exception {
    ssh("echo " + token + " > ~/persist.txt");
    long vmm = control().status().pid();
    long qemu = qemu(vmm).pid();
    control().stop(Duration.ofSeconds(60));
    assertNothingLeft(vmm, qemu);
    VmmStatus stopped = VmmState.read(files.dir()).orElseThrow();
    assertEquals(VmmStatus.STOPPED, stopped.state(), stopped.toString());
    assertTrue(Files.readString(files.console()).contains("data disk synced"), "the guest powered off cleanly");

    assertEquals(VmmStatus.RUNNING, start().state());
    assertEquals(token, ssh("cat ~/persist.txt").stdout().strip());
  }

  @Test
  @Order(6)
  void killingQemuIsDetectedAndReported() throws Exception {
    long vmm = control().status().pid();
    ProcessHandle qemu = qemu(vmm);
    assertTrue(qemu.destroyForcibly());
    assertNothingLeft(vmm, qemu.pid());
    VmmStatus s = VmmState.read(files.dir()).orElseThrow();
    assertEquals(VmmStatus.ERROR, s.state());
    assertTrue(s.reason().orElse("").contains("signal 9"), s.toString());
  }

  @AfterAll
  void stopIfRunning() throws Exception {
    if (files == null) {
      return;
    }
    Optional<VmmControl> c = VmmControl.connect(files.dir());
    if (c.isPresent()) {
      long vmm = c.get().status().pid();
      c.get().stop(Duration.ZERO);
      assertNothingLeft(vmm, -1);
    }
    // The data disk holds a whole Debian overlay and Docker's state: do not keep it around.
    Files.deleteIfExists(files.dataDisk());
  }

}
