package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.SpecialRegisters;
import dev.sbx.vmm.hypervisor.x86_64.Segment;
import dev.sbx.vmm.hypervisor.x86_64.DescriptorTable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sbx.vmm.loader.KernelLoader.Initrd;
import dev.sbx.vmm.loader.LoadedKernel;
import dev.sbx.vmm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BootStructuresTest {
  private final GuestMemory mem = TestMemory.of(32L << 20);
  private final GuestRamLayout layout = new GuestRamLayout(32L << 20);
  private final LoadedKernel elfWithPvh = new LoadedKernel(0x1000000, OptionalLong.of(0x1000100), new byte[0],
      0x1000000, 0x1100000, BootLayout.CMDLINE_MAX_SIZE, 0x37ffffff);

  @Test
  void e820DescribesLowRamEbdaAndHighRam() {
    assertEquals(List.of(
        new E820Entry(0, 0x9fc00, E820Entry.RAM),
        new E820Entry(0x9fc00, 0x40400, E820Entry.RESERVED),
        new E820Entry(0x100000, (32L << 20) - 0x100000, E820Entry.RAM)), layout.e820());
  }

  @Test
  void memoryAboveThreeGibIsRelocatedPastTheMmioGap() {
    GuestRamLayout big = new GuestRamLayout(4L << 30);
    assertEquals(2, big.ranges().size());
    assertEquals(0xC000_0000L, big.ranges().get(0).size());
    assertEquals(0x1_0000_0000L, big.ranges().get(1).start());
    assertEquals(1L << 30, big.ranges().get(1).size());
    assertEquals(new E820Entry(0x1_0000_0000L, 1L << 30, E820Entry.RAM), big.e820().get(3));
    assertThrows(IllegalArgumentException.class, () -> new GuestRamLayout(8L << 20));
    assertThrows(IllegalArgumentException.class, () -> new GuestRamLayout((32L << 20) + 1));
  }

  @Test
  void pvhStartInfoMatchesTheXenLayout() {
    X86BootState s = X86Boot.configure(mem, elfWithPvh, "console=ttyS0", Optional.of(new Initrd(0x1800000, 0x1234)),
        layout.e820(), 0xe0000, true);
    assertEquals(BootProtocol.PVH, s.protocol());
    long info = BootLayout.PVH_INFO_ADDR;
    assertEquals(0x336ec578, mem.readInt(info));
    assertEquals(1, mem.readInt(info + 4));
    assertEquals(1, mem.readInt(info + 12));
    assertEquals(BootLayout.PVH_MODLIST_ADDR, mem.readLong(info + 16));
    assertEquals(BootLayout.CMDLINE_ADDR, mem.readLong(info + 24));
    assertEquals(0xe0000, mem.readLong(info + 32));
    assertEquals(BootLayout.PVH_MEMMAP_ADDR, mem.readLong(info + 40));
    assertEquals(3, mem.readInt(info + 48));
    assertEquals(0x1800000, mem.readLong(BootLayout.PVH_MODLIST_ADDR));
    assertEquals(0x1234, mem.readLong(BootLayout.PVH_MODLIST_ADDR + 8));
    long e = BootLayout.PVH_MEMMAP_ADDR + 24;
    assertEquals(0x9fc00, mem.readLong(e));
    assertEquals(0x40400, mem.readLong(e + 8));
    assertEquals(2, mem.readInt(e + 16));
    assertEquals("console=ttyS0", cString(BootLayout.CMDLINE_ADDR));
    // 32-bit protected mode, paging off, ebx = start info.
    assertEquals(0x1000100, s.registers().rip());
    assertEquals(BootLayout.PVH_INFO_ADDR, s.registers().rbx());
    assertEquals(0x11, s.cr0());
    assertEquals(0, s.cr4());
    assertEquals(0, s.efer());
    assertEquals(0x2, s.registers().rflags());
  }

  @Test
  void zeroPageMatchesTheBootProtocolForElfKernels() {
    X86BootState s = X86Boot.configure(mem, elfWithPvh, "quiet", Optional.empty(), layout.e820(), 0xe0000, false);
    assertEquals(BootProtocol.LINUX_64, s.protocol());
    long zp = BootLayout.ZERO_PAGE_ADDR;
    assertEquals((short) 0xAA55, mem.readShort(zp + 0x1fe));
    assertEquals(0x53726448, mem.readInt(zp + 0x202));
    assertEquals((byte) 0xff, mem.readByte(zp + 0x210));
    assertEquals(0x81, mem.readByte(zp + 0x211) & 0xff);
    assertEquals((short) 0xfe00, mem.readShort(zp + 0x224));
    assertEquals(BootLayout.CMDLINE_ADDR, mem.readInt(zp + 0x228));
    assertEquals(0x0100_0000, mem.readInt(zp + 0x230));
    assertEquals(BootLayout.CMDLINE_MAX_SIZE - 1, mem.readInt(zp + 0x238));
    assertEquals(0xe0000, mem.readLong(zp + 0x70));
    assertEquals(3, mem.readByte(zp + 0x1e8));
    assertEquals(0x100000, mem.readLong(zp + 0x2d0 + 40));
    assertEquals(1, mem.readInt(zp + 0x2d0 + 40 + 16));
    assertEquals(0, mem.readInt(zp + 0x218));
    // Long mode with the identity map.
    assertEquals(0x1000000, s.registers().rip());
    assertEquals(BootLayout.ZERO_PAGE_ADDR, s.registers().rsi());
    assertEquals(BootLayout.BOOT_STACK_POINTER, s.registers().rsp());
    assertEquals(0x80000011L, s.cr0());
    assertEquals(BootLayout.PML4_ADDR, s.cr3());
    assertEquals(0x20, s.cr4());
    assertEquals(0x500, s.efer());
  }

  @Test
  void bzImageSetupHeaderIsCopiedAndExtended() {
    byte[] header = new byte[0x266 - 0x1f1];
    header[0x1fe - 0x1f1] = 0x55;
    header[0x1ff - 0x1f1] = (byte) 0xaa;
    header[0x211 - 0x1f1] = 0x01;
    header[0x236 - 0x1f1] = 0x03;
    LoadedKernel bz = new LoadedKernel(0x1000200, OptionalLong.empty(), header, 0x1000000, 0x1100000, 256, 0x7fffffff);
    X86Boot.configure(mem, bz, "x", Optional.of(new Initrd(0x1c00000, 4096)), layout.e820(), 0, true);
    long zp = BootLayout.ZERO_PAGE_ADDR;
    assertEquals((short) 0xAA55, mem.readShort(zp + 0x1fe));
    assertEquals(0x03, mem.readByte(zp + 0x236));
    assertEquals(0x81, mem.readByte(zp + 0x211) & 0xff);
    assertEquals(0x1c00000, mem.readInt(zp + 0x218));
    assertEquals(4096, mem.readInt(zp + 0x21c));
  }

  @Test
  void identityMapCoversTheFirstGib() {
    X86Boot.configure(mem, elfWithPvh, "", Optional.empty(), layout.e820(), 0, false);
    assertEquals(0xa003, mem.readLong(BootLayout.PML4_ADDR));
    assertEquals(0xb003, mem.readLong(BootLayout.PDPT_ADDR));
    assertEquals(0x83, mem.readLong(BootLayout.PD_ADDR));
    assertEquals((511L << 21) | 0x83, mem.readLong(BootLayout.PD_ADDR + 511 * 8));
    assertEquals(Gdt.LONG_MODE[1], mem.readLong(BootLayout.GDT_ADDR + 8));
    assertEquals(0, mem.readLong(BootLayout.IDT_ADDR));
  }

  @Test
  void commandLineLongerThanTheKernelAllowsIsRefused() {
    LoadedKernel small = new LoadedKernel(0x1000200, OptionalLong.empty(), new byte[0x20], 0x1000000, 0x1100000, 16,
        0x7fffffff);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> X86Boot.configure(mem, small, "0123456789abcdef", Optional.empty(), layout.e820(), 0, true));
    assertEquals("kernel command line is 16 bytes; this kernel accepts at most 15", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> X86Boot.configure(mem, elfWithPvh, "a\0b", Optional.empty(), layout.e820(), 0, true));
  }

  @Test
  void specialRegistersKeepTheApicBase() {
    X86BootState s = X86Boot.configure(mem, elfWithPvh, "", Optional.empty(), layout.e820(), 0, true);
    Segment zero = new Segment(0, 0, 0, 0, false, 0, false, false, false, false, false, true);
    SpecialRegisters current = new SpecialRegisters(zero, zero, zero, zero, zero, zero, zero, zero,
        new DescriptorTable(0, 0), new DescriptorTable(0, 0), 0, 0, 0, 0, 0, 0, 0xfee00900L);
    SpecialRegisters applied = s.applyTo(current);
    assertEquals(0xfee00900L, applied.apicBase());
    assertEquals(new DescriptorTable(BootLayout.GDT_ADDR, 31), applied.gdt());
    assertEquals(new DescriptorTable(BootLayout.IDT_ADDR, 7), applied.idt());
    assertEquals(Gdt.DATA_SELECTOR, applied.ss().selector());
    assertEquals(Gdt.TSS_SELECTOR, applied.tr().selector());
  }

  private String cString(long address) {
    StringBuilder sb = new StringBuilder();
    for (long a = address; mem.readByte(a) != 0; a++) {
      sb.append((char) mem.readByte(a));
    }
    return new String(sb.toString().getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
  }
}
