package dev.sbx.vmm.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the freestanding test guests under {@code src/test/resources/guests} with the system
 * assembler and linker (Debian {@code gcc}/{@code binutils}), once per test run.
 */
public final class TestGuests {
  private static final Path OUT = Path.of("target", "test-guests").toAbsolutePath();
  private static final String[] SOURCES = {
      "common32.h", "xen_note.h", "pvh.S", "linux64.S", "triple_fault.S", "spin.S", "devices.S", "exits.S", "bootmark.S", "irq.S", "doorbell.S",
      "guest.ld", "guest64.ld", "bzpayload.ld"};
  private static boolean extracted;

  private TestGuests() {}

  /** A PVH ELF guest built from {@code name.S}. */
  public static synchronized Path pvh(String name) {
    return link(name, "guest.ld", List.of());
  }

  /** The 64-bit boot-protocol guest as an ELF vmlinux (no PVH note). */
  public static synchronized Path linux64Elf() {
    return link("linux64", "guest64.ld", List.of());
  }

  /**
   * The 64-bit guest as a bzImage: a synthetic setup header (protocol 2.15, XLF_KERNEL_64,
   * pref_address 16 MiB) followed by the payload, whose entry is at +0x200.
   */
  public static synchronized Path linux64BzImage() {
    Path bz = OUT.resolve("linux64.bzImage");
    if (Files.exists(bz)) {
      return bz;
    }
    Path elf = link("linux64", "bzpayload.ld", List.of("-DBZIMAGE"), "linux64-bz.elf");
    Path bin = OUT.resolve("linux64-bz.bin");
    run(List.of("objcopy", "-O", "binary", elf.toString(), bin.toString()));
    try {
      byte[] code = Files.readAllBytes(bin);
      ByteBuffer b = ByteBuffer.allocate(1024 + code.length).order(ByteOrder.LITTLE_ENDIAN);
      b.put(0x1f1, (byte) 1).putShort(0x1fe, (short) 0xAA55).put(0x201, (byte) 0x64).putInt(0x202, 0x53726448)
          .putShort(0x206, (short) 0x020f).put(0x211, (byte) 1).putInt(0x22c, 0x7fffffff)
          .putInt(0x230, 0x200000).put(0x234, (byte) 1).putShort(0x236, (short) 0x3).putInt(0x238, 2047)
          .putLong(0x258, 0x1000000).putInt(0x260, 0x200000);
      b.put(1024, code);
      Files.write(bz, b.array());
      return bz;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path link(String name, String script, List<String> defines) {
    return link(name, script, defines, name + (script.equals("guest.ld") ? ".elf" : "-64.elf"));
  }

  private static Path link(String name, String script, List<String> defines, String output) {
    extract();
    Path elf = OUT.resolve(output);
    if (Files.exists(elf)) {
      return elf;
    }
    Path obj = OUT.resolve(output + ".o");
    List<String> cc = new ArrayList<>(List.of("gcc", "-c", "-I" + OUT));
    cc.addAll(defines);
    cc.addAll(List.of(OUT.resolve(name + ".S").toString(), "-o", obj.toString()));
    run(cc);
    run(List.of("ld", "-m", "elf_x86_64", "-nostdlib", "-static", "--no-warn-rwx-segments", "-T",
        OUT.resolve(script).toString(), obj.toString(), "-o", elf.toString()));
    return elf;
  }

  private static void extract() {
    if (extracted) {
      return;
    }
    try {
      Files.createDirectories(OUT);
      for (String s : SOURCES) {
        try (InputStream in = TestGuests.class.getResourceAsStream("/guests/" + s)) {
          Files.copy(in, OUT.resolve(s), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    extracted = true;
  }

  public static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("building a test guest failed (needs Debian gcc and binutils): "
            + String.join(" ", cmd) + "\n" + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd.get(0) + " (install Debian gcc and binutils)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
