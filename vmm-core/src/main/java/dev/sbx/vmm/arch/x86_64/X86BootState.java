package dev.sbx.vmm.arch.x86_64;

/**
 * Register state the boot vCPU starts with, produced by {@link X86Boot}. Special registers are
 * applied on top of the vCPU's current ones so backend-owned fields (APIC base) are kept.
 */
public record X86BootState(BootProtocol protocol, Registers registers, long cr0, long cr3, long cr4,
    long efer, long[] gdt) {

  public SpecialRegisters applyTo(SpecialRegisters current) {
    Segment code = Segment.fromGdtEntry(gdt[1], Gdt.CODE_SELECTOR);
    Segment data = Segment.fromGdtEntry(gdt[2], Gdt.DATA_SELECTOR);
    Segment tss = Segment.fromGdtEntry(gdt[3], Gdt.TSS_SELECTOR);
    return current.withBootState(code, data, tss,
        new DescriptorTable(BootLayout.GDT_ADDR, gdt.length * 8 - 1),
        new DescriptorTable(BootLayout.IDT_ADDR, 7), cr0, cr3, cr4, efer);
  }
}
