package dev.sbx.vmm.arch.x86_64;

import static dev.sbx.vmm.testing.LittleEndian.ascii;
import static dev.sbx.vmm.testing.LittleEndian.checksum;
import static dev.sbx.vmm.testing.LittleEndian.u16;
import static dev.sbx.vmm.testing.LittleEndian.u32;
import static dev.sbx.vmm.testing.LittleEndian.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parses the MP table back the way Linux's {@code mpparse.c} reads it (Intel MP spec 1.4). */
class MpTableTest {

  /** What a parser sees in the table. */
  record Parsed(List<int[]> processors, List<String> buses, List<int[]> ioApics,
      List<int[]> ioInterrupts, List<int[]> localInterrupts) {}

  static Parsed parse(GuestBlob blob) {
    byte[] b = blob.bytes();
    // Floating pointer, chapter 4.1.
    assertEquals("_MP_", ascii(b, 0, 4));
    assertEquals(1, u8(b, 8), "length in paragraphs");
    assertEquals(4, u8(b, 9), "spec revision 1.4");
    assertEquals(0, checksum(b, 0, 16), "floating pointer checksum");
    assertEquals(0, u8(b, 11), "feature byte 1: configuration table present");
    assertEquals(0, blob.address() % 16, "16-byte aligned");
    int at = (int) (u32(b, 4) - blob.address());
    assertEquals(16, at, "configuration table right after the pointer");

    // Configuration table header, chapter 4.2.
    assertEquals("PCMP", ascii(b, at, 4));
    int length = u16(b, at + 4);
    assertEquals(b.length - at, length);
    assertEquals(4, u8(b, at + 6));
    assertEquals(0, checksum(b, at, length), "configuration table checksum");
    assertEquals(0, u32(b, at + 28), "no OEM table");
    assertEquals(X86Layout.LAPIC_ADDR, u32(b, at + 36));
    assertEquals(0, u16(b, at + 40), "no extended table");
    int count = u16(b, at + 34);

    Parsed p = new Parsed(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
        new ArrayList<>(), new ArrayList<>());
    int off = at + 44;
    for (int i = 0; i < count; i++) {
      int type = u8(b, off);
      switch (type) {
        case 0 -> {
          p.processors().add(new int[] {u8(b, off + 1), u8(b, off + 2), u8(b, off + 3)});
          off += 20;
        }
        case 1 -> {
          p.buses().add(u8(b, off + 1) + ":" + ascii(b, off + 2, 6));
          off += 8;
        }
        case 2 -> {
          p.ioApics().add(new int[] {u8(b, off + 1), u8(b, off + 2), u8(b, off + 3),
              (int) u32(b, off + 4)});
          off += 8;
        }
        case 3, 4 -> {
          int[] e = {u8(b, off + 1), u16(b, off + 2), u8(b, off + 4), u8(b, off + 5),
              u8(b, off + 6), u8(b, off + 7)};
          (type == 3 ? p.ioInterrupts() : p.localInterrupts()).add(e);
          off += 8;
        }
        default -> throw new AssertionError("unknown entry type " + type + " at " + off);
      }
    }
    assertEquals(b.length, off, "entries fill the table exactly");
    return p;
  }

  @Test
  void twoVcpusNoDevices() {
    GuestBlob blob = MpTable.build(2, List.of(), X86Layout.MPTABLE_START);
    assertEquals(X86Layout.MPTABLE_START, blob.address());
    assertEquals(MpTable.size(2, 0), blob.bytes().length);
    Parsed p = parse(blob);

    assertEquals(2, p.processors().size());
    for (int i = 0; i < 2; i++) {
      int[] cpu = p.processors().get(i);
      assertEquals(i, cpu[0], "APIC ID = vCPU index");
      assertEquals(0x14, cpu[1], "local APIC version");
      assertEquals(i == 0 ? 0x03 : 0x01, cpu[2], "enabled, BSP flag on vCPU 0 only");
    }
    assertEquals(List.of("0:ISA   "), p.buses());

    assertEquals(1, p.ioApics().size());
    int[] ioapic = p.ioApics().get(0);
    int ioApicId = ioapic[0];
    assertEquals(2, ioApicId, "first ID after the processors'");
    assertEquals(1, ioapic[2], "enabled");
    assertEquals(X86Layout.IOAPIC_ADDR, ioapic[3] & 0xFFFF_FFFFL);

    assertEquals(16, p.ioInterrupts().size());
    for (int irq = 0; irq < 16; irq++) {
      int[] e = p.ioInterrupts().get(irq);
      assertEquals(0, e[0], "INT");
      assertEquals(0, e[1], "conforms to the bus: edge, active high");
      assertEquals(0, e[2], "ISA bus");
      assertEquals(irq, e[3]);
      assertEquals(ioApicId, e[4]);
      assertEquals(irq, e[5], "pin = IRQ");
    }

    assertEquals(2, p.localInterrupts().size());
    int[] extint = p.localInterrupts().get(0);
    int[] nmi = p.localInterrupts().get(1);
    assertEquals(3, extint[0]);
    assertEquals(0, extint[5], "ExtINT on LINT0");
    assertEquals(1, nmi[0]);
    assertEquals(1, nmi[5], "NMI on LINT1");
    assertEquals(0xFF, extint[4]);
    assertEquals(0xFF, nmi[4]);
  }

  @Test
  void virtioGsisAboveTheIsaRangeGetTheirOwnEntries() {
    List<MmioSlot> slots = List.of(
        new MmioSlot(0xC0000000L, 0x1000, 5), // covered by the ISA entry for IRQ 5
        new MmioSlot(0xC0001000L, 0x1000, 20),
        new MmioSlot(0xC0002000L, 0x1000, 16),
        new MmioSlot(0xC0003000L, 0x1000, 20)); // same GSI twice: one entry
    GuestBlob blob = MpTable.build(1, slots, X86Layout.MPTABLE_START);
    Parsed p = parse(blob);
    assertEquals(18, p.ioInterrupts().size());
    assertEquals(16, p.ioInterrupts().get(16)[3]);
    assertEquals(16, p.ioInterrupts().get(16)[5]);
    assertEquals(20, p.ioInterrupts().get(17)[3]);
    assertEquals(20, p.ioInterrupts().get(17)[5]);
    int entries = 1 + 1 + 1 + 18 + 2;
    assertEquals(entries, u16(blob.bytes(), 16 + 34));
  }

  @Test
  void sizeMatchesFirecrackersFormula() {
    // vmm-facts §2.7: at most 284 + 20 x vCPUs bytes with all 24 pins; we list 16 + extra GSIs.
    for (int n = 1; n <= 36; n++) {
      assertEquals(220 + 20 * n, MpTable.build(n, List.of(), 0x9FC00).bytes().length);
    }
  }

  @Test
  void rejectsWhatDoesNotFitItsKiB() {
    int max = (X86Layout.MPTABLE_MAX_SIZE - MpTable.size(0, 0)) / MpTable.PROCESSOR_ENTRY_LENGTH;
    assertTrue(MpTable.build(max, List.of(), X86Layout.MPTABLE_START).bytes().length
        <= X86Layout.MPTABLE_MAX_SIZE);
    assertEquals(40, max);
    assertTrue(MpTable.fits(max, List.of()));
    assertFalse(MpTable.fits(max + 1, List.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MpTable.build(max + 1, List.of(), X86Layout.MPTABLE_START));
    assertTrue(e.getMessage().contains("use fewer vCPUs"), e.getMessage());
    // Extra GSIs above 15 count against the same KiB.
    List<MmioSlot> eight = new ArrayList<>();
    for (int gsi = 16; gsi < 24; gsi++) {
      eight.add(new MmioSlot(0xC0000000L + 0x1000L * gsi, 0x1000, gsi));
    }
    int maxWithGsis = (X86Layout.MPTABLE_MAX_SIZE - MpTable.size(0, 8)) / 20;
    MpTable.build(maxWithGsis, eight, X86Layout.MPTABLE_START);
    assertTrue(MpTable.fits(maxWithGsis, eight));
    assertFalse(MpTable.fits(maxWithGsis + 1, eight));
    assertFalse(MpTable.fits(1, List.of(new MmioSlot(0xC0000000L, 0x1000, 24))));
    assertFalse(MpTable.fits(0, List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> MpTable.build(maxWithGsis + 1, eight, X86Layout.MPTABLE_START));
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> MpTable.build(0, List.of(), 0x9FC00));
    assertThrows(IllegalArgumentException.class, () -> MpTable.build(255, List.of(), 0x9FC00));
    assertThrows(IllegalArgumentException.class,
        () -> MpTable.build(1, List.of(new MmioSlot(0xC0000000L, 0x1000, 24)), 0x9FC00));
    assertThrows(IllegalArgumentException.class,
        () -> MpTable.build(1, List.of(), 0xFFFF_FFC0L));
    assertThrows(IllegalArgumentException.class, () -> MpTable.build(1, List.of(), 0x9FC08));
  }
}
