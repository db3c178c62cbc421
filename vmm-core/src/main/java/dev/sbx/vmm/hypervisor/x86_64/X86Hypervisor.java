package dev.sbx.vmm.hypervisor.x86_64;

import dev.sbx.vmm.hypervisor.Hypervisor;
import dev.sbx.vmm.hypervisor.HypervisorException;
import java.util.List;

/** A hypervisor for x86_64 guests; its VMs' vCPUs are {@link X86Vcpu}s. */
public interface X86Hypervisor extends Hypervisor {

  /** CPUID leaves the hypervisor can present to guests, before any filtering. */
  List<CpuidEntry> supportedCpuid() throws HypervisorException;
}
