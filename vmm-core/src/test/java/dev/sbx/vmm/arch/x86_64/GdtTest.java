package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.Segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GdtTest {
  @Test
  void encodesDescriptorsAsTheSdmDefinesThem() {
    // Values from vmm-facts §2.5 (Firecracker's boot GDT).
    assertEquals(0x00af9b000000ffffL, Gdt.entry(0xa09b, 0, 0xfffff));
    assertEquals(0x00cf93000000ffffL, Gdt.entry(0xc093, 0, 0xfffff));
    assertEquals(0x008f8b000000ffffL, Gdt.entry(0x808b, 0, 0xfffff));
    assertEquals(0x12cf9334_5678ffffL, Gdt.entry(0xc093, 0x12345678, 0xfffff));
  }

  @Test
  void decodesLongModeCodeSegment() {
    Segment cs = Segment.fromGdtEntry(Gdt.LONG_MODE[1], Gdt.CODE_SELECTOR);
    assertEquals(0xb, cs.type());
    assertTrue(cs.present());
    assertTrue(cs.l());
    assertFalse(cs.db());
    assertTrue(cs.s());
    assertTrue(cs.g());
    assertEquals(0xffffffff, cs.limit());
    assertEquals(0, cs.base());
    assertEquals(0x08, cs.selector());
  }

  @Test
  void decodesPvhSegments() {
    Segment cs = Segment.fromGdtEntry(Gdt.PROTECTED_MODE[1], Gdt.CODE_SELECTOR);
    assertTrue(cs.db());
    assertFalse(cs.l());
    Segment ds = Segment.fromGdtEntry(Gdt.PROTECTED_MODE[2], Gdt.DATA_SELECTOR);
    assertEquals(0x3, ds.type());
    Segment tss = Segment.fromGdtEntry(Gdt.PROTECTED_MODE[3], Gdt.TSS_SELECTOR);
    assertEquals(0xb, tss.type());
    assertFalse(tss.s());
    assertEquals(0x67, tss.limit());
    assertFalse(tss.unusable());
  }
}
