package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AmlNameTest {

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void singleSegment() {
    assertArrayEquals(hex("5F 48 49 44"), AmlName.encode("_HID"));
  }

  @Test
  void shortSegmentsArePaddedWithUnderscore() {
    assertArrayEquals(hex("50 53 32 5F"), AmlName.encode("PS2"));
    assertArrayEquals(hex("5C 5F 53 42 5F"), AmlName.encode("\\_SB"));
  }

  @Test
  void rootAndParentPrefixes() {
    assertArrayEquals(hex("5C 5F 53 42 5F"), AmlName.encode("\\_SB_"));
    assertArrayEquals(hex("5E 5E 43 4F 4D 31"), AmlName.encode("^^COM1"));
    assertArrayEquals(hex("5C 00"), AmlName.encode("\\"));
  }

  @Test
  void dualAndMultiNamePaths() {
    assertArrayEquals(hex("5C 2E 5F 53 42 5F 43 4F 4D 31"), AmlName.encode("\\_SB_.COM1"));
    assertArrayEquals(hex("2F 03 5F 53 42 5F 50 43 49 30 56 30 30 30"),
        AmlName.encode("_SB_.PCI0.V000"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "com1", "1COM", "TOOLONG", "A..B", "A.", "A-B", "\\\\X", "^\\X"})
  void rejectsInvalidNames(String name) {
    assertThrows(IllegalArgumentException.class, () -> AmlName.encode(name));
  }
}
