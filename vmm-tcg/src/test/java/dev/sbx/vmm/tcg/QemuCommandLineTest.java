package dev.sbx.vmm.tcg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
  private final QemuMachineSpec spec = new QemuMachineSpec(Path.of("/k/vmlinux"), Optional.of(Path.of("/k/initrd")),
      "console=ttyS0 quiet", 2, 512L << 20, QemuMachineSpec.Console.file(Path.of("/s/a,b/console.log")), List.of(
          new VhostUserDevice(VhostUserDevice.Kind.BLOCK, "vda", Path.of("/s/vda.sock"), ""),
          new VhostUserDevice(VhostUserDevice.Kind.FS, "ws0", Path.of("/s/ws0.sock"), "ws0"),
          new VhostUserDevice(VhostUserDevice.Kind.VSOCK, "vsock", Path.of("/s/vsock.sock"), "")));

  @Test
  void microvmWithSharedMemfdRamAndNoDefaults() {
    List<String> args = QemuCommandLine.build(Path.of("/usr/bin/qemu-system-x86_64"), spec);
    assertEquals("/usr/bin/qemu-system-x86_64", args.get(0));
    assertTrue(args.contains("-nodefaults"));
    assertTrue(args.contains("-no-reboot"));
    assertAfter(args, "-machine", "microvm,rtc=off,isa-serial=on,memory-backend=mem");
    assertAfter(args, "-object", "memory-backend-memfd,id=mem,size=512M,share=on");
    assertAfter(args, "-m", "512M");
    assertAfter(args, "-smp", "2");
    assertAfter(args, "-kernel", "/k/vmlinux");
    assertAfter(args, "-initrd", "/k/initrd");
    assertAfter(args, "-append", "console=ttyS0 quiet");
    assertAfter(args, "-serial", "file:/s/a,,b/console.log");
    assertAfter(args, "-global", "virtio-mmio.force-legacy=false");
    assertAfter(args, "-accel", "tcg,thread=multi,tb-size=256");
    assertFalse(args.stream().anyMatch(a -> a.contains("netdev") || a.contains("-nic")), "no QEMU networking");
  }

  @Test
  void everyDeviceIsAVhostUserSocket() {
    List<String> args = QemuCommandLine.build(Path.of("qemu"), spec);
    assertTrue(args.contains("socket,id=vda,path=/s/vda.sock"));
    assertTrue(args.contains("vhost-user-blk,chardev=vda"));
    assertTrue(args.contains("vhost-user-fs-device,chardev=ws0,tag=ws0"));
    assertTrue(args.contains("vhost-user-vsock-device,chardev=vsock"));
  }

  @Test
  void badSpecsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new VhostUserDevice(VhostUserDevice.Kind.FS, "ws", Path.of("/s"), ""));
    assertThrows(IllegalArgumentException.class,
        () -> new VhostUserDevice(VhostUserDevice.Kind.BLOCK, "vda", Path.of("/s"), "tag"));
    assertThrows(IllegalArgumentException.class,
        () -> new VhostUserDevice(VhostUserDevice.Kind.BLOCK, "a,b", Path.of("/s"), ""));
    assertThrows(IllegalArgumentException.class,
        () -> new QemuMachineSpec(Path.of("k"), Optional.empty(), "", 0, 64L << 20, QemuMachineSpec.Console.file(Path.of("c")), List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new QemuMachineSpec(Path.of("k"), Optional.empty(), "", 1, (64L << 20) + 1, QemuMachineSpec.Console.file(Path.of("c")), List.of()));
  }

  @Test
  void missingQemuSaysHowToInstallIt() {
    assertTrue(QemuBinary.find("/nonexistent:/also/missing").isEmpty());
    assertEquals(Optional.empty(), QemuBinary.find(""));
  }

  private static void assertAfter(List<String> args, String flag, String value) {
    int i = args.indexOf(flag);
    assertTrue(i >= 0 && i + 1 < args.size(), flag + " missing");
    assertEquals(value, args.get(i + 1), flag);
  }
}
