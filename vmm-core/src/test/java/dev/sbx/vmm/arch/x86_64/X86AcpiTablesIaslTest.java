package dev.sbx.vmm.arch.x86_64;

import static dev.sbx.vmm.testing.LittleEndian.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.acpi.AcpiTableSet;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import dev.sbx.vmm.testing.Iasl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated tables judged by ACPICA's own disassembler and compiler ({@code iasl}, Debian
 * {@code acpica-tools}): they must disassemble without errors or warnings, say what we meant, and
 * recompile to the same bytes.
 */
class X86AcpiTablesIaslTest {

  private static final List<MmioSlot> SLOTS = List.of(
      new MmioSlot(0xC0000000L, 0x1000, 5),
      new MmioSlot(0xC0001000L, 0x1000, 6),
      new MmioSlot(0xC0002000L, 0x200, 7),
      new MmioSlot(0xD0000000L, 0x1000, 23));

  @TempDir
  Path dir;

  private static Map<String, byte[]> bySignature(AcpiTableSet set) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (GuestBlob b : set.blobs()) {
      String sig = b.address() == set.rsdpAddress() ? "RSDP" : new String(b.bytes(), 0, 4);
      m.put(sig, b.bytes());
    }
    return m;
  }

  private static AcpiTableSet build(int vcpus, List<MmioSlot> slots) {
    return X86AcpiTables.build(vcpus, slots, true, true, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END);
  }

  @Test
  void dsdtDescribesSerialI8042AndEveryVirtioSlot() throws IOException {
    String dsl = Iasl.disassemble(dir, "DSDT", bySignature(build(2, SLOTS)).get("DSDT"));

    Map<String, String> devices = new LinkedHashMap<>();
    String[] chunks = dsl.split("Device \\(");
    for (int i = 1; i < chunks.length; i++) {
      devices.put(chunks[i].substring(0, chunks[i].indexOf(')')), chunks[i]);
    }
    assertEquals(List.of("COM1", "PS2", "V000", "V001", "V002", "V003"),
        new ArrayList<>(devices.keySet()), dsl);

    String com1 = devices.get("COM1");
    assertTrue(com1.contains("Name (_HID, EisaId (\"PNP0501\")"), com1);
    assertTrue(squash(com1).contains(
        "IO (Decode16, 0x03F8, // Range Minimum 0x03F8, // Range Maximum 0x01, // Alignment"
            + " 0x08, // Length )"), com1);
    assertEquals(List.of(4L), interrupts(com1));

    String ps2 = devices.get("PS2");
    assertTrue(ps2.contains("Name (_HID, EisaId (\"PNP0303\")"), ps2);
    assertTrue(ps2.contains("Name (_STA, 0x0F)"), ps2);
    assertTrue(squash(ps2).contains("IO (Decode16, 0x0060, // Range Minimum 0x0060,"), ps2);
    assertTrue(squash(ps2).contains("IO (Decode16, 0x0064, // Range Minimum 0x0064,"), ps2);
    assertEquals(List.of(1L), interrupts(ps2));

    int lnro = 0;
    for (int i = 0; i < SLOTS.size(); i++) {
      MmioSlot slot = SLOTS.get(i);
      String d = devices.get(String.format("V%03X", i));
      assertTrue(d.contains("Name (_HID, \"LNRO0005\")"), d);
      assertEquals(i, uid(d), d);
      assertTrue(d.contains("Name (_CCA, One)"), d);
      Matcher m = Pattern.compile("Memory32Fixed \\(ReadWrite,\\s+0x(\\p{XDigit}{8}),"
          + "\\s+// Address Base\\s+0x(\\p{XDigit}{8}),").matcher(d);
      assertTrue(m.find(), d);
      assertEquals(slot.base(), Long.parseLong(m.group(1), 16));
      assertEquals(slot.size(), Long.parseLong(m.group(2), 16));
      assertEquals(List.of((long) slot.gsi()), interrupts(d));
      lnro++;
    }
    assertEquals(SLOTS.size(), lnro);
    assertEquals(SLOTS.size(), dsl.split("\"LNRO0005\"", -1).length - 1);
  }

  /** GSIs of each {@code Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive)} in a device. */
  private static List<Long> interrupts(String device) {
    Matcher m = Pattern.compile("Interrupt \\(ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, \\)"
        + "\\s*\\{\\s*0x(\\p{XDigit}{8}),\\s*\\}").matcher(device);
    List<Long> out = new ArrayList<>();
    while (m.find()) {
      out.add(Long.parseLong(m.group(1), 16));
    }
    assertEquals(device.split("Interrupt \\(", -1).length - 1, out.size(), device);
    return out;
  }

  private static long uid(String device) {
    Matcher m = Pattern.compile("Name \\(_UID, (\\w+)\\)").matcher(device);
    assertTrue(m.find(), device);
    return switch (m.group(1)) {
      case "Zero" -> 0;
      case "One" -> 1;
      default -> Long.decode(m.group(1));
    };
  }

  private static String squash(String s) {
    return s.replaceAll("\\s+", " ");
  }

  @Test
  void everyTableRecompilesToTheSameBytes() throws IOException {
    Map<String, byte[]> tables = bySignature(build(3, SLOTS));
    for (String sig : List.of("FACP", "APIC", "XSDT", "DSDT")) {
      Iasl.disassemble(dir, sig, tables.get(sig));
      byte[] recompiled = Iasl.compile(dir, sig);
      int templates = sig.equals("DSDT") ? 2 + SLOTS.size() : 0;
      assertSameAsIasl(sig, tables.get(sig), recompiled, templates);
    }
  }

  /**
   * Byte-for-byte equal except where iasl writes its own identity (checksum, compiler ID and
   * revision) and the End Tag checksums, where iasl writes the "always valid" 0.
   */
  static void assertSameAsIasl(String sig, byte[] ours, byte[] iasl, int resourceTemplates) {
    assertEquals(ours.length, iasl.length, sig + " length");
    int endTags = 0;
    for (int i = 0; i < ours.length; i++) {
      if (i == 9 || (i >= 28 && i < 36) || ours[i] == iasl[i]) {
        continue;
      }
      int at = i;
      assertTrue(i > 0 && ours[i - 1] == 0x79 && iasl[i - 1] == 0x79 && iasl[i] == 0,
          () -> sig + " differs from iasl's compilation at offset " + at);
      endTags++;
    }
    assertTrue(endTags <= resourceTemplates, sig + ": " + endTags + " end-tag differences");
  }

  @Test
  void madtOfTheLargestConfigurationDisassembles() throws IOException {
    List<MmioSlot> slots = new ArrayList<>();
    for (int gsi = 5; gsi < 24; gsi++) {
      slots.add(new MmioSlot(X86Layout.MMIO_32_START + 0x1000L * (gsi - 5), 0x1000, gsi));
    }
    Map<String, byte[]> tables = bySignature(build(X86AcpiTables.MAX_VCPUS, slots));
    String madt = Iasl.disassemble(dir, "APIC", tables.get("APIC"));
    assertEquals(X86AcpiTables.MAX_VCPUS, madt.split("\\[Processor Local APIC\\]", -1).length - 1);
    assertEquals(1, madt.split("\\[I/O APIC\\]", -1).length - 1);
    assertTrue(madt.contains("Local Apic ID : FE"), "last APIC ID 0xFE");
    String dsdt = Iasl.disassemble(dir, "DSDT", tables.get("DSDT"));
    assertEquals(slots.size(), dsdt.split("\"LNRO0005\"", -1).length - 1);
    assertSameAsIasl("DSDT", tables.get("DSDT"), Iasl.compile(dir, "DSDT"), 2 + slots.size());
  }

  @Test
  void rsdpEqualsWhatIaslCompilesFromTheSameFields() throws IOException {
    // This iasl cannot disassemble a bare RSDP, but its data-table compiler builds one from field
    // values and computes both checksums itself.
    AcpiTableSet set = build(1, List.of());
    byte[] ours = bySignature(set).get("RSDP");
    String source = String.join("\n",
        "[0008] Signature : \"RSD PTR \"",
        "[0001] Checksum : 00",
        "[0006] Oem ID : \"SBX   \"",
        "[0001] Revision : 02",
        "[0004] RSDT Address : 00000000",
        "[0004] Length : 00000024",
        "[0008] XSDT Address : " + String.format(Locale.ROOT, "%016X", u64(ours, 24)),
        "[0001] Extended Checksum : 00",
        "[0003] Reserved : 000000",
        "");
    Files.writeString(dir.resolve("RSDP.dsl"), source);
    assertArrayEquals(Iasl.compile(dir, "RSDP"), ours);
  }

  @Test
  void theIaslCheckCatchesABadChecksum() throws IOException {
    byte[] madt = bySignature(build(1, List.of())).get("APIC").clone();
    madt[9]++;
    assertThrows(AssertionError.class, () -> Iasl.disassemble(dir, "APIC", madt));
  }
}
