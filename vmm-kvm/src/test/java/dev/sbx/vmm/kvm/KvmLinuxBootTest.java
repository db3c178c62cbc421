package dev.sbx.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.testing.CpioWriter;
import dev.sbx.vmm.testing.TestGuests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardware-only tier: boots the project's guest kernel on KVM with a one-file initramfs whose init
 * hits the boot-timer port and reboots. Needs /dev/kvm backed by VT-x/AMD-V; on hosts whose
 * /dev/kvm emulates ring 0 (our development and CI machines) it is skipped with that reason.
 */
class KvmLinuxBootTest {
  @TempDir Path dir;

  @Test
  void projectKernelReachesInitAndMarksTheBootTimer() throws Exception {
    Optional<String> why = KvmHostProbe.whyNotHardwareBacked();
    assumeTrue(why.isEmpty(), () -> "needs /dev/kvm backed by hardware virtualization (Intel VT-x or AMD-V); "
        + "skipped here: " + why.orElse(""));
    Optional<Path> kernel = projectKernel();
    assumeTrue(kernel.isPresent(), "needs the project's guest kernel: build it with './sbx image build' "
        + "or point SBX_TEST_KERNEL at a vmlinux");
    Path initrd = initramfs();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (KvmHypervisor kvm = KvmHypervisor.open();
        Machine m = Machine.create(kvm, new BootSpec(kernel.get(), Optional.of(initrd),
            "console=ttyS0 reboot=k panic=1 rdinit=/init", 2, 256L << 20), console)) {
      m.start();
      VmExit exit = m.awaitExit(Duration.ofSeconds(60));
      String out = console.toString(StandardCharsets.UTF_8);
      assertEquals(ExitKind.RESET, exit.kind(), exit.describe() + "\n" + out);
      assertTrue(out.contains("sbx-test-init reached"), out);
      assertTrue(m.bootNanos().isPresent(), "the boot timer saw init's mark");
    }
  }

  private static Optional<Path> projectKernel() throws IOException {
    String env = System.getenv("SBX_TEST_KERNEL");
    if (env != null) {
      return Optional.of(Path.of(env));
    }
    String cacheHome = System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache");
    Path images = Path.of(cacheHome, "sbx", "images");
    if (!Files.isDirectory(images)) {
      return Optional.empty();
    }
    // The newest image's kernel: older recipe versions may still sit in the cache.
    try (Stream<Path> s = Files.walk(images, 2)) {
      return s.filter(p -> p.getFileName().toString().equals("vmlinux"))
          .max(java.util.Comparator.comparing(p -> p.toFile().lastModified()));
    }
  }

  /** A newc cpio archive holding one static /init. */
  private Path initramfs() throws IOException {
    Path src = dir.resolve("init.c");
    try (InputStream in = KvmLinuxBootTest.class.getResourceAsStream("/guests/boot_mark_init.c")) {
      Files.copy(in, src);
    }
    Path init = dir.resolve("init");
    TestGuests.run(List.of("gcc", "-static", "-Os", "-o", init.toString(), src.toString()));
    Path cpio = dir.resolve("initramfs.cpio");
    try (var out = Files.newOutputStream(cpio)) {
      CpioWriter w = new CpioWriter(out);
      w.file("init", 0100755, Files.readAllBytes(init));
      w.finish();
    }
    return cpio;
  }
}
