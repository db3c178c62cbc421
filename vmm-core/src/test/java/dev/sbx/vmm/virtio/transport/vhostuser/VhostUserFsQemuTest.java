package dev.sbx.vmm.virtio.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.testing.Initramfs;
import dev.sbx.vmm.testing.QemuGuest;
import dev.sbx.vmm.testing.TestKernel;
import dev.sbx.vmm.virtio.fs.FuseConfig;
import dev.sbx.vmm.virtio.fs.FuseServer;
import dev.sbx.vmm.virtio.fs.VirtioFsDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our virtio-fs device against Linux's virtiofs driver: a Debian kernel under {@code
 * qemu-system-x86_64 -M microvm -accel tcg} with two {@code vhost-user-fs-device}s served by this
 * JVM, one read-write ("rw") and one read-only ("ro"). The guest mounts both, works on files with
 * busybox and a static C tool (mmap, fsync, errno probes), and the tests check the host folders.
 * One boot; needs qemu-system-x86, busybox-static, cpio, gcc + libc6-dev and, the first time, apt
 * access for the kernel package (cached in ~/.cache/sbx/test-kernel).
 */
@Tag("device")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VhostUserFsQemuTest {
  private static final int MIB = 1 << 20;

  @TempDir static Path dir;
  private final List<VhostUserServer> servers = new ArrayList<>();
  private final List<VirtioFsDevice> devices = new ArrayList<>();
  private Path rw;
  private Path ro;
  private Path outside;
  private byte[] hostBig;
  private QemuGuest guest;
  private int exitCode;

  @BeforeAll
  void boot() throws Exception {
    TestKernel kernel = TestKernel.get();
    Path fst = compile("fst");

    rw = Files.createDirectory(dir.resolve("rw"));
    ro = Files.createDirectory(dir.resolve("ro"));
    outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "host secret\n");
    Files.writeString(rw.resolve("from-host.txt"), "written by the host\n");
    Files.writeString(rw.resolve("edit.txt"), "before\n");
    hostBig = new byte[3 * MIB];
    new Random(11).nextBytes(hostBig);
    Files.write(rw.resolve("host-big.bin"), hostBig);
    Files.write(rw.resolve("mapped.bin"), new byte[8192]);
    Files.createSymbolicLink(rw.resolve("up"), Path.of("../outside"));
    Files.createSymbolicLink(rw.resolve("abs"), outside);
    Files.writeString(ro.resolve("readme.txt"), "read only\n");

    // A tree for the guest to untar into the share: a 300-entry directory (READDIR over several
    // pages), nesting, a binary file, an executable, a symlink.
    Path src = Files.createDirectories(dir.resolve("src/many"));
    for (int i = 0; i < 300; i++) {
      Files.writeString(src.resolve(String.format("f%03d", i)), "file " + i + "\n");
    }
    Path tree = src.getParent();
    Files.createDirectories(tree.resolve("a/b/c"));
    Files.writeString(tree.resolve("a/b/c/deep.txt"), "deep\n");
    byte[] blob = new byte[200 * 1024 + 7];
    new Random(12).nextBytes(blob);
    Files.write(tree.resolve("blob.bin"), blob);
    Files.writeString(tree.resolve("run.sh"), "#!/bin/sh\necho ran from the share\n");
    Files.setPosixFilePermissions(tree.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(tree.resolve("link"), Path.of("a/b/c/deep.txt"));
    Path tar = dir.resolve("tree.tar");
    Process tp = new ProcessBuilder("tar", "-cf", tar.toString(), "-C", tree.toString(), ".")
        .redirectErrorStream(true).start();
    assertEquals(0, tp.waitFor(), new String(tp.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

    serve("rw.sock", "rw", rw, false);
    serve("ro.sock", "ro", ro, true);

    String script = String.join("\n",
        "mkdir -p /mnt/rw /mnt/ro",
        "mount -t virtiofs rw /mnt/rw; echo \"R mount-rw $?\"",
        "mount -t virtiofs ro /mnt/ro; echo \"R mount-ro $?\"",
        "cd /mnt/rw",
        // Host edits while the share is mounted: the guest has edit.txt cached, then asks the host
        // (through the console) to rewrite it and add live.txt, and waits (bounded) to see both.
        "echo \"R edit-before $(cat edit.txt)\"",
        "echo SBX-HOST-EDIT",
        "i=0; until grep -q after edit.txt && [ -e live.txt ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done",
        "echo \"R edit-after $(cat edit.txt)\"",
        "echo \"R live $(cat live.txt)\"",
        "echo \"R host-file $(cat from-host.txt)\"",
        "echo \"R host-big $(md5sum host-big.bin | cut -d' ' -f1)\"",
        "echo \"R mmap-read $(/fst mmap-read from-host.txt 10)\"",
        "echo \"R stat $(stat -c '%s %F' host-big.bin)\"",
        "echo 'guest wrote this' > created.txt; echo \"R create $?\"",
        "mkdir -p d/e && echo moved > d/a && mv d/a d/e/b; echo \"R rename $?\"",
        "echo bye > gone.txt && rm gone.txt; echo \"R unlink $? $([ -e gone.txt ] && echo present || echo absent)\"",
        "echo \"R mmap-write $(/fst mmap-write mapped.bin 4096 mapped-by-guest)\"",
        "echo \"R fsync $(/fst fsync-write synced.txt synced-by-guest)\"",
        "dd if=/dev/urandom of=big.bin bs=64k count=64 2>/dev/null; echo \"R big-write $?\"",
        "echo \"R big-md5 $(md5sum big.bin | cut -d' ' -f1)\"",
        "echo one > log.txt; echo two >> log.txt; echo \"R append $(wc -l < log.txt)\"",
        "echo \"R ls $(ls | tr '\\n' ' ')\"",
        "mkdir tree && tar -xf /tree.tar -C tree; echo \"R untar $?\"",
        "echo \"R many $(ls tree/many | wc -l)\"",
        "echo \"R find $(find tree | wc -l)\"",
        "echo \"R readlink $(readlink tree/link) $(cat tree/link)\"",
        "echo \"R exec $(tree/run.sh)\"",
        // The read-only share: reads work, every kind of change is refused.
        "echo \"R ro-read $(cat /mnt/ro/readme.txt)\"",
        "echo \"R ro-create $(/fst errno-of create /mnt/ro/new.txt)\"",
        "echo \"R ro-write $(/fst errno-of write /mnt/ro/readme.txt)\"",
        "echo \"R ro-unlink $(/fst errno-of unlink /mnt/ro/readme.txt)\"",
        "echo \"R ro-mkdir $(/fst errno-of mkdir /mnt/ro/newdir)\"",
        "echo \"R ro-rename $(/fst errno-of rename-to:/mnt/ro/renamed.txt /mnt/ro/readme.txt)\"",
        // Escape attempts: symlinks are resolved by the guest in the guest, '..' stops at its mount.
        "echo \"R escape-rel $(cat /mnt/rw/up/secret.txt 2>&1)\"",
        "echo \"R escape-abs $(cat /mnt/rw/abs/secret.txt 2>&1)\"",
        "echo \"R escape-dotdot $(cat /mnt/rw/../../outside/secret.txt 2>&1)\"",
        "ln -s /etc /mnt/rw/etc-link; echo pwned > /mnt/rw/etc-link/sbx-escape-" + ProcessHandle.current().pid()
            + " 2>/dev/null; echo \"R escape-etc $?\"",
        "ln -s ../outside /mnt/rw/up2; echo pwned > /mnt/rw/up2/pwned.txt 2>/dev/null; echo \"R escape-up $?\"",
        "cd /",
        "umount /mnt/rw; echo \"R umount-rw $?\"",
        "umount /mnt/ro; echo \"R umount-ro $?\"",
        "");
    Path initrd = new Initramfs().script(script).file("fst", fst).file("tree.tar", tar).build(kernel, dir);
    List<String> args = new ArrayList<>(List.of(
        // vhost-user-fs is a modern-only device; microvm's virtio-mmio defaults to legacy.
        "-global", "virtio-mmio.force-legacy=false"));
    for (String tag : new String[] {"rw", "ro"}) {
      args.addAll(List.of("-chardev", "socket,id=" + tag + ",path=" + dir.resolve(tag + ".sock"),
          "-device", "vhost-user-fs-device,chardev=" + tag + ",tag=" + tag));
    }
    guest = QemuGuest.start(kernel, initrd, "256M", args, line -> {
      if (line.trim().equals("SBX-HOST-EDIT")) {
        try {
          Files.writeString(rw.resolve("edit.txt"), "after, and longer\n");
          Files.writeString(rw.resolve("live.txt"), "appeared while mounted\n");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });
    exitCode = guest.waitFor(300);
  }

  private static Path compile(String name) throws IOException, InterruptedException {
    Path bin = dir.resolve(name);
    Path src = dir.resolve(name + ".c");
    try (InputStream in = VhostUserFsQemuTest.class.getResourceAsStream("/guest/" + name + ".c")) {
      Files.copy(in, src);
    }
    Process cc = new ProcessBuilder("gcc", "-static", "-O2", "-o", bin.toString(), src.toString())
        .redirectErrorStream(true).start();
    String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, cc.waitFor(), "gcc -static (apt-get install gcc libc6-dev): " + out);
    return bin;
  }

  private void serve(String socket, String tag, Path share, boolean readOnly) throws IOException {
    VirtioFsDevice dev = new VirtioFsDevice(tag, FuseServer.open(share, FuseConfig.defaults(readOnly)));
    devices.add(dev);
    VhostUserServer s = new VhostUserServer(dir.resolve(socket), dev);
    servers.add(s);
    Thread t = new Thread(() -> {
      try {
        s.serveOne();
      } catch (IOException e) {
        // The frontend went away; the tests check what the guest saw.
      }
    }, "serve-" + tag);
    t.setDaemon(true);
    t.start();
  }

  @AfterAll
  void shutDown() {
    if (guest != null) {
      guest.close();
    }
    servers.forEach(VhostUserServer::close);
    devices.forEach(VirtioFsDevice::close);
  }

  private static String md5(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  @Test
  void guestMountedBothSharesAndRanToTheEnd() {
    assertTrue(guest.console().contains("SBX-TEST-EXIT 0"), guest.console());
    assertFalse(guest.console().contains("SBX-INSMOD-FAILED"), guest.console());
    assertEquals(0, exitCode, guest.console());
    assertEquals("0", guest.result("mount-rw"));
    assertEquals("0", guest.result("mount-ro"));
    assertEquals("0", guest.result("umount-rw"));
    assertEquals("0", guest.result("umount-ro"));
  }

  @Test
  void guestReadsWhatTheHostWrote() throws Exception {
    assertEquals("written by the host", guest.result("host-file"));
    assertEquals(md5(hostBig), guest.result("host-big"));
    assertEquals("written by", guest.result("mmap-read"));
    assertEquals((3 * MIB) + " regular file", guest.result("stat"));
    String ls = guest.result("ls");
    for (String name : new String[] {"from-host.txt", "host-big.bin", "created.txt", "d", "synced.txt", "up"}) {
      assertTrue((" " + ls + " ").contains(" " + name + " "), ls);
    }
  }

  @Test
  void guestSeesHostEditsWhileMounted() {
    assertEquals("before", guest.result("edit-before"));
    assertEquals("after, and longer", guest.result("edit-after"));
    assertEquals("appeared while mounted", guest.result("live"));
  }

  @Test
  void hostSeesWhatTheGuestCreatedRenamedAndRemoved() throws Exception {
    assertEquals("0", guest.result("create"));
    assertEquals("guest wrote this\n", Files.readString(rw.resolve("created.txt")));
    assertEquals("0", guest.result("rename"));
    assertFalse(Files.exists(rw.resolve("d/a")));
    assertEquals("moved\n", Files.readString(rw.resolve("d/e/b")));
    assertEquals("0 absent", guest.result("unlink"));
    assertFalse(Files.exists(rw.resolve("gone.txt")));
    assertEquals("2", guest.result("append"));
    assertEquals("one\ntwo\n", Files.readString(rw.resolve("log.txt")));
  }

  @Test
  void sharedMappingAndFsyncReachTheHostFile() throws Exception {
    assertEquals("mmap-write ok", guest.result("mmap-write"));
    byte[] mapped = Files.readAllBytes(rw.resolve("mapped.bin"));
    assertEquals(8192, mapped.length);
    byte[] expected = new byte[8192];
    byte[] text = "mapped-by-guest".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, expected, 4096, text.length);
    assertArrayEquals(expected, mapped);
    assertEquals("fsync-write ok", guest.result("fsync"));
    assertEquals("synced-by-guest", Files.readString(rw.resolve("synced.txt")));
  }

  @Test
  void largeWritesArriveIntact() throws Exception {
    assertEquals("0", guest.result("big-write"));
    byte[] big = Files.readAllBytes(rw.resolve("big.bin"));
    assertEquals(4 * MIB, big.length);
    assertEquals(guest.result("big-md5"), md5(big));
  }

  @Test
  void readOnlyShareRefusesEveryChange() throws Exception {
    assertEquals("read only", guest.result("ro-read"));
    assertEquals("EROFS", guest.result("ro-create"));
    assertEquals("EROFS", guest.result("ro-write"));
    assertEquals("EROFS", guest.result("ro-unlink"));
    assertEquals("EROFS", guest.result("ro-mkdir"));
    assertEquals("EROFS", guest.result("ro-rename"));
    try (Stream<Path> s = Files.list(ro)) {
      assertEquals(List.of(ro.resolve("readme.txt")), s.toList());
    }
    assertEquals("read only\n", Files.readString(ro.resolve("readme.txt")));
  }

  @Test
  void escapeAttemptsStayInsideTheShare() throws Exception {
    for (String key : new String[] {"escape-rel", "escape-abs", "escape-dotdot"}) {
      String r = guest.result(key);
      assertFalse(r.contains("host secret"), key + ": " + r);
      assertTrue(r.contains("No such file or directory"), key + ": " + r);
    }
    guest.result("escape-etc"); // the guest has no /etc of its own, so the write fails there
    assertFalse(Files.exists(Path.of("/etc/sbx-escape-" + ProcessHandle.current().pid())),
        "a guest write through a symlink to /etc never reaches the host's /etc");
    assertFalse("0".equals(guest.result("escape-up")), "the guest has no /mnt/outside");
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(List.of(outside.resolve("secret.txt")), s.toList(), "nothing was written outside the share");
    }
    // The guest's symlinks are stored as symlinks, never followed on the host.
    assertTrue(Files.isSymbolicLink(rw.resolve("etc-link")));
    assertEquals(Path.of("/etc"), Files.readSymbolicLink(rw.resolve("etc-link")));
    assertTrue(Files.isSymbolicLink(rw.resolve("up2")));
  }

  @Test
  void untarredTreeMatchesTheSourceOnTheHost() throws Exception {
    assertEquals("0", guest.result("untar"));
    assertEquals("300", guest.result("many"));
    Path src = dir.resolve("src");
    Path tree = rw.resolve("tree");
    List<Path> expected;
    try (Stream<Path> s = Files.walk(src)) {
      expected = s.map(src::relativize).sorted().toList();
    }
    try (Stream<Path> s = Files.walk(tree)) {
      assertEquals(expected, s.map(tree::relativize).sorted().toList());
    }
    assertEquals(String.valueOf(expected.size()), guest.result("find"));
    for (Path rel : expected) {
      Path a = src.resolve(rel);
      Path b = tree.resolve(rel);
      if (Files.isSymbolicLink(a)) {
        assertEquals(Files.readSymbolicLink(a), Files.readSymbolicLink(b), rel.toString());
      } else if (Files.isRegularFile(a)) {
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), rel.toString());
      }
    }
    assertEquals("a/b/c/deep.txt deep", guest.result("readlink"));
    assertTrue(Files.isExecutable(tree.resolve("run.sh")));
    assertEquals("ran from the share", guest.result("exec"));
  }
}
