package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AmlTest {

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void integersUseTheShortestEncoding() {
    assertArrayEquals(hex("00"), Aml.integer(0)); // ZeroOp
    assertArrayEquals(hex("01"), Aml.integer(1)); // OneOp
    assertArrayEquals(hex("FF"), Aml.integer(-1L)); // OnesOp
    assertArrayEquals(hex("0A 02"), Aml.integer(2));
    assertArrayEquals(hex("0A FF"), Aml.integer(0xFF));
    assertArrayEquals(hex("0B 00 01"), Aml.integer(0x100));
    assertArrayEquals(hex("0B FF FF"), Aml.integer(0xFFFF));
    assertArrayEquals(hex("0C 00 00 01 00"), Aml.integer(0x10000));
    assertArrayEquals(hex("0C 00 00 00 C0"), Aml.integer(0xC0000000L));
    assertArrayEquals(hex("0C FF FF FF FF"), Aml.integer(0xFFFF_FFFFL));
    assertArrayEquals(hex("0E 00 00 00 00 01 00 00 00"), Aml.integer(0x1_0000_0000L));
    assertArrayEquals(hex("0E FE FF FF FF FF FF FF FF"), Aml.integer(-2L));
  }

  @Test
  void stringIsNulTerminatedAscii() {
    assertArrayEquals(hex("0D 4C 4E 52 4F 30 30 30 35 00"), Aml.string("LNRO0005"));
    assertArrayEquals(hex("0D 00"), Aml.string(""));
    assertThrows(IllegalArgumentException.class, () -> Aml.string("caf\u00e9"));
    assertThrows(IllegalArgumentException.class, () -> Aml.string("a\0b"));
  }

  @Test
  void eisaIdMatchesTheValuesLinuxAndIaslUse() {
    // EisaId("PNP0501") = 0x0105D041, EisaId("PNP0303") = 0x0303D041 (vmm-facts §2.8), stored LE.
    assertArrayEquals(hex("0C 41 D0 05 01"), Aml.eisaId("PNP0501"));
    assertArrayEquals(hex("0C 41 D0 03 03"), Aml.eisaId("PNP0303"));
    // PNP0A03 (PCI root bridge) = 0x030AD041.
    assertArrayEquals(hex("0C 41 D0 0A 03"), Aml.eisaId("PNP0A03"));
    assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0501"));
    assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP050"));
    assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("LNRO0005"));
  }

  @Test
  void nameBindsAValue() {
    assertArrayEquals(hex("08 5F 55 49 44 0A 07"), Aml.name("_UID", Aml.integer(7)));
  }

  @Test
  void bufferCarriesItsSizeAndPkgLength() {
    // 11 PkgLength(1 + 2 + 3 = 6 -> 0x06) BufferSize(0A 03) bytes
    assertArrayEquals(hex("11 06 0A 03 AA BB CC"), Aml.buffer(hex("AA BB CC")));
    assertArrayEquals(hex("11 02 00"), Aml.buffer(new byte[0])); // size ZeroOp
  }

  @Test
  void deviceAndScopeWrapTheirTerms() {
    byte[] sta = Aml.name("_STA", Aml.integer(0x0F)); // 08 5F 53 54 41 0A 0F: 7 bytes
    // DeviceOp 5B 82, PkgLength (1 + 4 + 7 = 12), NameSeg, terms
    assertArrayEquals(hex("5B 82 0C 50 53 32 5F 08 5F 53 54 41 0A 0F"), Aml.device("PS2_", sta));
    // ScopeOp 10, PkgLength (1 + 5 + 0 = 6), \_SB_
    assertArrayEquals(hex("10 06 5C 5F 53 42 5F"), Aml.scope("\\_SB_"));
  }

  @Test
  void largeDeviceGetsAMultiBytePkgLength() {
    byte[] payload = new byte[5000];
    byte[] dev = Aml.device("BIG_", Aml.name("DATA", Aml.buffer(payload)));
    // body = NameSeg 4 + Name (1 + 4 + buffer (1 + 3 + 3 + 5000)) = 5016; 3-byte PkgLength, total
    // 5019 = 0x139B.
    assertArrayEquals(hex("5B 82 8B 39 01 42 49 47 5F"), java.util.Arrays.copyOf(dev, 9));
    assertArrayEquals(hex("08 44 41 54 41 11 8E 38 01 0B 88 13"),
        java.util.Arrays.copyOfRange(dev, 9, 21));
  }
}
