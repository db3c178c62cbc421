package dev.sbx.vmm.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.acpi.AcpiTableSet;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import dev.sbx.vmm.testing.AcpiExec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tables loaded into ACPICA's interpreter ({@code acpiexec}), which shares its table loader,
 * namespace and resource manager with Linux: FADT (hardware-reduced), MADT and DSDT load without
 * complaint, and each device's {@code _CRS} converts to the resources a driver will get.
 */
class X86AcpiTablesAcpiExecTest {

  private static final List<MmioSlot> SLOTS = List.of(
      new MmioSlot(0xC0000000L, 0x1000, 5),
      new MmioSlot(0xC0001000L, 0x200, 6),
      new MmioSlot(0xC0002000L, 0x1000, 19));

  /**
   * acpiexec converts each _CRS back to AML and compares; ACPICA writes End Tag checksum 0 where
   * we write the real one (both valid, ACPI 6.5 §6.4.2.9), so that comparison reports the End Tag
   * (internal type 0x78, byte 1) and nothing else. Likewise there is no _SRS to call.
   */
  private static final Pattern EXPECTED = Pattern.compile(
      "Data mismatch in descriptor \\[\\d+\\] type 78,|Mismatch at byte offset 01: is 00,"
          + "|AcpiSetCurrentResources failed: AE_NOT_FOUND");

  @TempDir
  Path dir;

  private final List<String> files = new ArrayList<>();

  @BeforeEach
  void writeTables() throws IOException {
    AcpiTableSet set = X86AcpiTables.build(2, SLOTS, true, true, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END);
    for (GuestBlob b : set.blobs()) {
      if (b.address() != set.rsdpAddress()) {
        String sig = new String(b.bytes(), 0, 4);
        if (!sig.equals("XSDT")) { // acpiexec builds its own RSDP and XSDT
          Files.write(dir.resolve(sig + ".dat"), b.bytes());
          files.add(sig + ".dat");
        }
      }
    }
  }

  private String exec(String commands) {
    return AcpiExec.run(dir, commands, files, EXPECTED);
  }

  @Test
  void tablesLoadAsHardwareReducedAcpi() {
    String out = exec("Objects Device");
    assertTrue(out.contains("FACP") && out.contains("(v06 SBX    SBXVFACP"), out);
    assertTrue(out.contains("APIC") && out.contains("SBXVAPIC"), out);
    // Hardware-reduced ACPI has no GPE blocks for ACPICA to set up.
    assertFalse(out.contains("Initializing General Purpose Events"), out);
    // ACPICA prints names without trailing underscores.
    for (String dev : List.of("COM1", "PS2", "V000", "V001", "V002")) {
      assertTrue(out.contains("\\_SB." + dev + " Device"), dev + " missing:\n" + out);
    }
  }

  @Test
  void virtioResourcesConvertToMemoryAndEdgeInterrupt() {
    for (int i = 0; i < SLOTS.size(); i++) {
      String dev = String.format("\\_SB.V%03X", i);
      String out = exec("Resources " + dev + "; Evaluate " + dev + "._HID; Evaluate " + dev
          + "._UID; Evaluate " + dev + "._CCA");
      MmioSlot slot = SLOTS.get(i);
      assertEquals(String.format("%08X", slot.base()), field(out, "Address"));
      assertEquals(String.format("%08X", slot.size()), field(out, "Address Length"));
      assertEquals("ReadWrite", field(out, "Write Protect"));
      assertExtendedIrq(out, slot.gsi());
      assertTrue(out.contains("[String] Length 08 = \"LNRO0005\""), out);
      List<String> ints = integers(out);
      assertEquals(List.of(String.format("%016X", i), "0000000000000001"), ints, out);
    }
  }

  @Test
  void legacyDeviceResources() {
    String com1 = exec("Resources \\_SB.COM1; Evaluate \\_SB.COM1._HID");
    assertTrue(com1.contains("[00] I/O Resource"), com1);
    assertEquals("03F8", field(com1, "Address Minimum"));
    assertEquals("03F8", field(com1, "Address Maximum"));
    assertEquals("08", field(com1, "Address Length"));
    assertExtendedIrq(com1, 4);
    assertEquals(List.of("000000000105D041"), integers(com1), "EisaId PNP0501");

    String ps2 = exec("Resources \\_SB.PS2_; Evaluate \\_SB.PS2_._HID; Evaluate \\_SB.PS2_._STA");
    assertTrue(ps2.contains("[00] I/O Resource") && ps2.contains("[01] I/O Resource"), ps2);
    Matcher m = Pattern.compile("Address Minimum : (\\p{XDigit}+)").matcher(ps2);
    List<String> ports = new ArrayList<>();
    while (m.find()) {
      ports.add(m.group(1));
    }
    assertTrue(ports.containsAll(List.of("0060", "0064")), ps2);
    assertExtendedIrq(ps2, 1);
    assertEquals(List.of("000000000303D041", "000000000000000F"), integers(ps2));
  }

  @Test
  void theCheckCatchesACorruptTable() throws IOException {
    Path dsdt = dir.resolve("DSDT.dat");
    byte[] b = Files.readAllBytes(dsdt);
    b[9]++;
    Files.write(dsdt, b);
    assertThrows(AssertionError.class, () -> exec("Objects Device"));
  }

  private static void assertExtendedIrq(String out, int gsi) {
    assertTrue(out.contains("Extended IRQ Resource"), out);
    assertEquals("ResourceConsumer", field(out, "Type"));
    assertEquals("Edge", field(out, "Triggering"));
    assertEquals("ActiveHigh", field(out, "Polarity"));
    assertEquals("Exclusive", field(out, "Sharing"));
    assertEquals("01", field(out, "Interrupt Count"));
    assertEquals(String.format("%08X", gsi), field(out, "Dword00"));
  }

  /** First value of an acpiexec resource dump line {@code <name> : <value>}. */
  private static String field(String out, String name) {
    Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + " : (\\S+)").matcher(out);
    assertTrue(m.find(), () -> name + " not in:\n" + out);
    return m.group(1);
  }

  private static List<String> integers(String out) {
    Matcher m = Pattern.compile("\\[Integer\\] = (\\p{XDigit}{16})").matcher(out);
    List<String> ints = new ArrayList<>();
    while (m.find()) {
      ints.add(m.group(1));
    }
    return ints;
  }
}
