package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.Registers;
import dev.sbx.vmm.hypervisor.x86_64.SpecialRegisters;
import dev.sbx.vmm.hypervisor.x86_64.Segment;
import dev.sbx.vmm.hypervisor.x86_64.DescriptorTable;

/**
 * Register state the boot vCPU starts with, produced by {@link X86Boot}. Special registers are
 * applied on top of the vCPU's current ones so backend-owned fields (APIC base) are kept.
 *
 * @param code, data, tss the segments loaded from the boot GDT
 * @param gdtLimit the boot GDT's limit (its size minus one)
 */
public record X86BootState(BootProtocol protocol, Registers registers, long cr0, long cr3, long cr4,
    long efer, Segment code, Segment data, Segment tss, int gdtLimit) {

  /** Describes entry with the given GDT (null, code, data, TSS at selectors 0, 0x08, 0x10, 0x18). */
  static X86BootState of(BootProtocol protocol, Registers registers, long cr0, long cr3, long cr4, long efer,
      long[] gdt) {
    return new X86BootState(protocol, registers, cr0, cr3, cr4, efer,
        Segment.fromGdtEntry(gdt[1], Gdt.CODE_SELECTOR), Segment.fromGdtEntry(gdt[2], Gdt.DATA_SELECTOR),
        Segment.fromGdtEntry(gdt[3], Gdt.TSS_SELECTOR), gdt.length * 8 - 1);
  }

  public SpecialRegisters applyTo(SpecialRegisters current) {
    return current.withBootState(code, data, tss, new DescriptorTable(BootLayout.GDT_ADDR, gdtLimit),
        new DescriptorTable(BootLayout.IDT_ADDR, 7), cr0, cr3, cr4, efer);
  }
}
