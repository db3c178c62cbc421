package dev.sbx.vmm.hypervisor.x86_64;

/** Segment, descriptor-table and control registers of an x86_64 vCPU. */
public record SpecialRegisters(Segment cs, Segment ds, Segment es, Segment fs, Segment gs,
    Segment ss, Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt, long cr0,
    long cr2, long cr3, long cr4, long cr8, long efer, long apicBase) {

  /** Same state with the boot-time segments, tables and control registers replaced. */
  public SpecialRegisters withBootState(Segment code, Segment data, Segment tss, DescriptorTable gdt,
      DescriptorTable idt, long cr0, long cr3, long cr4, long efer) {
    return new SpecialRegisters(code, data, data, data, data, data, tss, ldt, gdt, idt, cr0, cr2,
        cr3, cr4, cr8, efer, apicBase);
  }
}
