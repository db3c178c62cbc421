package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.Registers;

import dev.sbx.vmm.loader.KernelLoader.Initrd;
import dev.sbx.vmm.loader.LoadedKernel;
import dev.sbx.vmm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Writes the x86_64 boot structures for a loaded kernel and returns the boot vCPU's entry state.
 * PVH is used whenever the kernel has the Xen PVH note, the 64-bit protocol otherwise.
 */
public final class X86Boot {
  static final long CR0_PE = 1;
  static final long CR0_ET = 1 << 4;
  static final long CR0_PG = 1L << 31;
  static final long CR4_PAE = 1 << 5;
  static final long EFER_LME = 1 << 8;
  static final long EFER_LMA = 1 << 10;

  private X86Boot() {}

  /**
   * @param cmdline kernel command line (ASCII, no NUL)
   * @param rsdpAddr where the ACPI RSDP is, or 0
   */
  public static X86BootState configure(GuestMemory mem, LoadedKernel kernel, String cmdline,
      Optional<Initrd> initrd, List<E820Entry> e820, long rsdpAddr, boolean preferPvh) {
    byte[] cmd = cmdline.getBytes(StandardCharsets.US_ASCII);
    if (cmd.length + 1 > kernel.cmdlineMax()) {
      throw new IllegalArgumentException("kernel command line is " + cmd.length
          + " bytes; this kernel accepts at most " + (kernel.cmdlineMax() - 1));
    }
    if (cmdline.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("kernel command line contains a NUL byte");
    }
    mem.zero(BootLayout.CMDLINE_ADDR, kernel.cmdlineMax());
    mem.write(BootLayout.CMDLINE_ADDR, cmd);
    mem.zero(BootLayout.IDT_ADDR, 8);

    if (preferPvh && kernel.pvhEntry().isPresent()) {
      PvhStartInfo.write(mem, BootLayout.CMDLINE_ADDR, initrd, e820, rsdpAddr);
      writeGdt(mem, Gdt.PROTECTED_MODE);
      Registers regs = Registers.entry(kernel.pvhEntry().getAsLong(), 0, 0, 0, BootLayout.PVH_INFO_ADDR);
      return X86BootState.of(BootProtocol.PVH, regs, CR0_PE | CR0_ET, 0, 0, 0, Gdt.PROTECTED_MODE);
    }
    ZeroPage.write(mem, kernel, BootLayout.CMDLINE_ADDR, cmd.length, initrd, e820, rsdpAddr);
    writeGdt(mem, Gdt.LONG_MODE);
    PageTables.writeIdentityMap(mem);
    Registers regs = Registers.entry(kernel.entry64(), BootLayout.BOOT_STACK_POINTER,
        BootLayout.BOOT_STACK_POINTER, BootLayout.ZERO_PAGE_ADDR, 0);
    return X86BootState.of(BootProtocol.LINUX_64, regs, CR0_PE | CR0_ET | CR0_PG,
        BootLayout.PML4_ADDR, CR4_PAE, EFER_LME | EFER_LMA, Gdt.LONG_MODE);
  }

  private static void writeGdt(GuestMemory mem, long[] gdt) {
    for (int i = 0; i < gdt.length; i++) {
      mem.writeLong(BootLayout.GDT_ADDR + i * 8L, gdt[i]);
    }
  }
}
