package dev.sbx.vmm.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NestedKvmHost} with real L1 boots (two): a real {@code /dev/kvm} from {@code kvm_amd} with
 * nested paging, the command's output and exit status, a writable share and the environment; and a
 * timeout that kills QEMU. Needs x86_64 Linux, root, qemu-system-x86, busybox-static, cpio and,
 * the first time, apt access for Debian's kernel package.
 */
@Tag("nested")
class NestedKvmHostTest {
  private static final NestedKvmHost.Options SMALL =
      NestedKvmHost.Options.defaults().memoryMib(2048).timeout(Duration.ofMinutes(10));

  @BeforeAll
  static void needsNestedHost() {
    Optional<String> why = NestedKvmHost.unavailableReason();
    assumeTrue(why.isEmpty(), () -> why.orElse(""));
  }

  @Test
  void runsTheCommandNextToARealKvmDevice(@TempDir Path share) throws Exception {
    String cwd = Path.of(System.getProperty("user.dir")).toRealPath().toString();
    Path shared = share.toRealPath();
    NestedKvmHost.Result r = NestedKvmHost.run(SMALL.share(shared).env("GREETING", "it's 'quoted' $HOME"),
        "sh", "-c", String.join("; ",
            "test -c /dev/kvm && echo kvm=char-device",
            "echo nested=$(cat /sys/module/kvm_amd/parameters/nested)",
            "echo npt=$(cat /sys/module/kvm_amd/parameters/npt)",
            "echo marker=$SBX_NESTED_KVM",
            "echo \"greeting=$GREETING\"",
            "echo cwd=$(pwd -P)",
            "echo written-in-L1 > \"$1\"/from-l1.txt",
            "echo to-stderr >&2",
            "exit 7"),
        "sh", shared.toString());

    assertEquals(7, r.exit(), r.output());
    List<String> lines = r.output().lines().toList();
    assertTrue(lines.contains("kvm=char-device"), r.output());
    assertTrue(lines.contains("nested=1"), r.output());
    assertTrue(lines.contains("npt=Y"), r.output());
    assertTrue(lines.contains("marker=1"), r.output());
    assertTrue(lines.contains("greeting=it's 'quoted' $HOME"), r.output());
    assertTrue(lines.contains("cwd=" + cwd), r.output());
    assertTrue(lines.contains("to-stderr"), r.output());
    assertFalse(r.output().contains("@@sbx-nested-kvm"), "markers leak into the output: " + r.output());
    assertEquals("written-in-L1\n", Files.readString(shared.resolve("from-l1.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void aTimeoutKillsQemu() throws Exception {
    String name = "sbx-nested-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    long start = System.nanoTime();
    NestedKvmHost.Result r = NestedKvmHost.run(SMALL.timeout(Duration.ofSeconds(40)).name(name),
        "sleep", "600");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

    assertEquals(NestedKvmHost.TIMED_OUT, r.exit(), r.output());
    // 40 s, at most 10 s more before SIGKILL, and the script's start (a first kernel fetch).
    assertTrue(seconds < 150, "the run took " + seconds + " s");
    assertFalse(qemuRunning(name), "a QEMU named " + name + " is still running");
    // The script keeps L1's console of a timed-out run for diagnosis; this one is expected.
    String tmp = System.getenv().getOrDefault("TMPDIR", "/tmp");
    Files.deleteIfExists(Path.of(tmp.isEmpty() ? "/tmp" : tmp, name + ".console.log"));
  }

  private static boolean qemuRunning(String name) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("pgrep", "-f", "-a", "qemu-system-x86_64 -name " + name)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return !out.isBlank();
  }
}
