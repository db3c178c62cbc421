package dev.sbx.vmm.hypervisor.x86_64;

import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vcpu;

import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;
import dev.sbx.vmm.hypervisor.x86_64.FpuState;
import dev.sbx.vmm.hypervisor.x86_64.Msr;
import dev.sbx.vmm.hypervisor.x86_64.Registers;
import dev.sbx.vmm.hypervisor.x86_64.SpecialRegisters;
import java.util.List;

/** x86_64 state of a vCPU; set before the first run, read for error reports. */
public interface X86Vcpu extends Vcpu {

  /** {@code vcpu} as an x86_64 vCPU, or an error when its hypervisor runs another architecture. */
  static X86Vcpu of(Vcpu vcpu) throws HypervisorException {
    if (vcpu instanceof X86Vcpu x86) {
      return x86;
    }
    throw new HypervisorException("vCPU " + vcpu.index() + " is not an x86_64 vCPU");
  }

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
