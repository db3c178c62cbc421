package dev.sbx.cli.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxProcess;
import dev.sbx.vmm.testing.Initramfs;
import dev.sbx.vmm.testing.QemuGuest;
import dev.sbx.vmm.testing.TestKernel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sbx vmm vhost-user --device fs} as a real process, driven by QEMU's {@code
 * vhost-user-fs-device} and Linux's virtiofs driver (Debian kernel, TCG): the guest mounts the
 * share, reads and writes it; a second process serves a read-only share. Needs what the vmm-core
 * device tests need (qemu-system-x86, busybox-static, cpio, the cached test kernel).
 */
@Tag("device")
class VmmVhostUserFsQemuTest {
  @TempDir Path dir;

  @Test
  void guestMountsSharesServedBySbx() throws Exception {
    Path rw = Files.createDirectory(dir.resolve("rw"));
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Files.writeString(rw.resolve("hello.txt"), "hello from the host\n");
    Files.writeString(ro.resolve("keep.txt"), "keep\n");
    SbxProcess sbx = new SbxProcess(Files.createDirectory(dir.resolve("home")));
    List<Process> servers = new ArrayList<>();
    servers.add(sbx.builder("vmm", "vhost-user", "--socket", dir.resolve("rw.sock").toString(), "--device", "fs",
        "--share", "work=" + rw).redirectErrorStream(true).redirectOutput(dir.resolve("rw.log").toFile()).start());
    servers.add(sbx.builder("vmm", "vhost-user", "--socket", dir.resolve("ro.sock").toString(), "--device", "fs",
        "--share", "docs=" + ro + ",ro").redirectErrorStream(true).redirectOutput(dir.resolve("ro.log").toFile())
        .start());
    QemuGuest guest = null;
    try {
      for (int i = 0; i < 600 && !(Files.exists(dir.resolve("rw.sock")) && Files.exists(dir.resolve("ro.sock"))); i++) {
        assertTrue(servers.stream().allMatch(Process::isAlive), "sbx vmm vhost-user exited early");
        Thread.sleep(50);
      }
      TestKernel kernel = TestKernel.get();
      String script = String.join("\n",
          "mkdir -p /work /docs",
          "mount -t virtiofs work /work; echo \"R mount-work $?\"",
          "mount -t virtiofs docs /docs; echo \"R mount-docs $?\"",
          "echo \"R read $(cat /work/hello.txt)\"",
          "echo 'hello from the guest' > /work/reply.txt; echo \"R write $?\"",
          "echo \"R ro-read $(cat /docs/keep.txt)\"",
          "(echo nope > /docs/keep.txt) 2>/tmp/err; echo \"R ro-write $? $(cat /tmp/err)\"",
          "umount /work && umount /docs; echo \"R umount $?\"",
          "");
      Path initrd = new Initramfs().script(script).build(kernel, dir);
      List<String> args = new ArrayList<>(List.of("-global", "virtio-mmio.force-legacy=false"));
      for (String tag : new String[] {"work", "docs"}) {
        String sock = dir.resolve((tag.equals("work") ? "rw" : "ro") + ".sock").toString();
        args.addAll(List.of("-chardev", "socket,id=" + tag + ",path=" + sock,
            "-device", "vhost-user-fs-device,chardev=" + tag + ",tag=" + tag));
      }
      guest = QemuGuest.start(kernel, initrd, "256M", args, line -> {});
      assertEquals(0, guest.waitFor(300), guest.console());
      assertTrue(guest.console().contains("SBX-TEST-EXIT 0"), guest.console());
      assertEquals("0", guest.result("mount-work"));
      assertEquals("0", guest.result("mount-docs"));
      assertEquals("hello from the host", guest.result("read"));
      assertEquals("0", guest.result("write"));
      assertEquals("hello from the guest\n", Files.readString(rw.resolve("reply.txt")));
      assertEquals("keep", guest.result("ro-read"));
      String roWrite = guest.result("ro-write");
      assertFalse(roWrite.startsWith("0"), roWrite);
      assertTrue(roWrite.contains("Read-only file system"), roWrite);
      assertEquals("keep\n", Files.readString(ro.resolve("keep.txt")));
      assertEquals("0", guest.result("umount"));
      // QEMU is gone: each server sees its frontend disconnect, exits 0 and removes its socket.
      for (Process p : servers) {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sbx vmm vhost-user did not exit after QEMU");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("rw.log"), StandardCharsets.UTF_8)
            + Files.readString(dir.resolve("ro.log"), StandardCharsets.UTF_8));
      }
      assertFalse(Files.exists(dir.resolve("rw.sock")));
      assertFalse(Files.exists(dir.resolve("ro.sock")));
    } finally {
      if (guest != null) {
        guest.close();
      }
      servers.forEach(Process::destroyForcibly);
    }
  }
}
