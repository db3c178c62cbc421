package dev.sbx.vmm.hypervisor;

import dev.sbx.vmm.arch.x86_64.CpuidEntry;
import dev.sbx.vmm.arch.x86_64.FpuState;
import dev.sbx.vmm.arch.x86_64.Msr;
import dev.sbx.vmm.arch.x86_64.Registers;
import dev.sbx.vmm.arch.x86_64.SpecialRegisters;
import java.util.List;

/** x86_64 state of a vCPU; set before the first run, read for error reports. */
public interface X86Vcpu {

  void setCpuid(List<CpuidEntry> entries) throws HypervisorException;

  void setMsrs(List<Msr> msrs) throws HypervisorException;

  void setRegisters(Registers regs) throws HypervisorException;

  Registers registers() throws HypervisorException;

  void setSpecialRegisters(SpecialRegisters sregs) throws HypervisorException;

  SpecialRegisters specialRegisters() throws HypervisorException;

  void setFpu(FpuState fpu) throws HypervisorException;

  /** Programs the local APIC's LINT0 as ExtINT and LINT1 as NMI, as a BIOS would. */
  void setupLapic() throws HypervisorException;
}
