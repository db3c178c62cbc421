package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.vmm.acpi.ResourceTemplate.Polarity;
import dev.sbx.vmm.acpi.ResourceTemplate.Trigger;
import dev.sbx.vmm.arch.ByteChecksum;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ResourceTemplateTest {

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void emptyTemplateIsAnEndTagWithChecksum() {
    // 0x79 + checksum 0x87 = 0x100
    assertArrayEquals(hex("79 87"), new ResourceTemplate().bytes());
  }

  @Test
  void memory32FixedDescriptor() {
    byte[] b = new ResourceTemplate().memory32Fixed(true, 0xC0001000L, 0x1000).bytes();
    // ACPI 6.5 §6.4.3.4: tag 0x86, length 9, info bit 0 = read/write, base, length
    assertArrayEquals(hex("86 09 00 01 00 10 00 C0 00 10 00 00"), Arrays.copyOf(b, 12));
    byte[] ro = new ResourceTemplate().memory32Fixed(false, 0, 0x10).bytes();
    assertEquals(0, ro[3]);
  }

  @Test
  void extendedInterruptDescriptorFlags() {
    // ACPI 6.5 §6.4.3.6: tag 0x89, length 6, flags, table length 1, GSI
    assertArrayEquals(hex("89 06 00 03 01 05 00 00 00"), Arrays.copyOf(new ResourceTemplate()
        .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, 5).bytes(), 9));
    assertArrayEquals(hex("89 06 00 01 01 17 00 00 00"), Arrays.copyOf(new ResourceTemplate()
        .interrupt(Trigger.LEVEL, Polarity.ACTIVE_HIGH, false, 23).bytes(), 9));
    assertArrayEquals(hex("89 06 00 0D 01 10 00 00 00"), Arrays.copyOf(new ResourceTemplate()
        .interrupt(Trigger.LEVEL, Polarity.ACTIVE_LOW, true, 16).bytes(), 9));
  }

  @Test
  void ioPortDescriptor() {
    // ACPI 6.5 §6.4.2.5: tag 0x47, decode16, min, max, alignment, length
    assertArrayEquals(hex("47 01 F8 03 F8 03 01 08"),
        Arrays.copyOf(new ResourceTemplate().io(0x3F8, 8).bytes(), 8));
  }

  @Test
  void endTagChecksumZeroesTheWholeTemplate() {
    byte[] b = new ResourceTemplate()
        .memory32Fixed(true, 0xC0000000L, 0x1000)
        .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, 5)
        .io(0x60, 1)
        .bytes();
    assertEquals(12 + 9 + 8 + 2, b.length);
    assertEquals(0x79, b[b.length - 2] & 0xFF);
    assertEquals(0, ByteChecksum.sum(b, 0, b.length));
  }

  @Test
  void toAmlWrapsTheTemplateInABuffer() {
    byte[] aml = new ResourceTemplate().io(0x64, 1).toAml();
    // 11, PkgLength 1 + 2 + 10 = 13, BufferSize 0A 0A, 8-byte IO descriptor, end tag
    assertArrayEquals(hex("11 0D 0A 0A 47 01 64 00 64 00 01 01 79"), Arrays.copyOf(aml, 13));
    assertEquals(14, aml.length);
  }

  @Test
  void rejectsRangesThatDoNotFitTheirDescriptors() {
    assertThrows(IllegalArgumentException.class,
        () -> new ResourceTemplate().memory32Fixed(true, 0xFFFFF000L, 0x2000));
    assertThrows(IllegalArgumentException.class,
        () -> new ResourceTemplate().memory32Fixed(true, 0x1_0000_0000L, 0x1000));
    assertThrows(IllegalArgumentException.class,
        () -> new ResourceTemplate().memory32Fixed(true, -1, 0x1000));
    assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0xFFFF, 2));
    assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0x60, 0));
    assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0x60, 256));
    assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate()
        .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, 0x1_0000_0000L));
  }
}
