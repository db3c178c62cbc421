package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.vmm.arch.MmioSlot;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VirtioMmioAmlTest {

  @Test
  void deviceBytesByHand() {
    // Derived by hand from ACPI 6.5 §20 and §6.4: the device body is 63 bytes, so the device's
    // PkgLength needs the two-byte form (total 65 = 0x41 -> 41 04).
    String expected = String.join("",
        "5B 82 41 04", "56 30 30 30", // Device(V000)
        "08 5F 48 49 44 0D 4C 4E 52 4F 30 30 30 35 00", // Name(_HID, "LNRO0005")
        "08 5F 55 49 44 00", // Name(_UID, Zero)
        "08 5F 43 43 41 01", // Name(_CCA, One)
        "08 5F 43 52 53 11 1A 0A 17", // Name(_CRS, Buffer(23) {
        "86 09 00 01 00 00 00 C0 00 10 00 00", //   Memory32Fixed(ReadWrite, 0xC0000000, 0x1000)
        "89 06 00 03 01 05 00 00 00", //   Interrupt(Consumer, Edge, ActiveHigh, Exclusive) {5}
        "79 8F"); //   EndTag, checksum })
    assertArrayEquals(HexFormat.of().parseHex(expected.replace(" ", "")),
        VirtioMmioAml.device(0, new MmioSlot(0xC0000000L, 0x1000, 5)));
  }

  @Test
  void namesAndUidFollowTheIndex() {
    byte[] d = VirtioMmioAml.device(0xABC, new MmioSlot(0xC0000000L, 0x200, 7));
    String s = new String(d, java.nio.charset.StandardCharsets.ISO_8859_1);
    org.junit.jupiter.api.Assertions.assertTrue(s.contains("VABC"));
    // _UID 0xABC as a WordConst
    org.junit.jupiter.api.Assertions.assertTrue(s.contains("_UID\u000b\u00bc\n"));
  }

  @Test
  void rejectsIndexBeyondNames() {
    MmioSlot slot = new MmioSlot(0xC0000000L, 0x1000, 5);
    assertThrows(IllegalArgumentException.class, () -> VirtioMmioAml.device(0x1000, slot));
    assertThrows(IllegalArgumentException.class, () -> VirtioMmioAml.device(-1, slot));
  }

  @Test
  void rejectsWindowAbove4GiB() {
    assertThrows(IllegalArgumentException.class,
        () -> VirtioMmioAml.device(0, new MmioSlot(0x1_0000_0000L, 0x1000, 5)));
  }
}
