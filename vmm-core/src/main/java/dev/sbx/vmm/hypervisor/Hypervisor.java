package dev.sbx.vmm.hypervisor;

import dev.sbx.vmm.arch.x86_64.CpuidEntry;
import java.util.List;

/**
 * One OS virtualization API (KVM, Hypervisor.framework, WHP): the root of the SPI
 * (hypervisor → VM → vCPU).
 */
public interface Hypervisor extends AutoCloseable {

  /** Engine name as users select it: {@code kvm}, {@code hvf}, {@code whp}. */
  String name();

  /** The CPU architecture guests of this hypervisor run. */
  Arch arch();

  /** Creates an empty VM; memory is added with {@link Vm#addMemory}. */
  Vm createVm(VmSpec spec) throws HypervisorException;

  /** CPUID leaves the hypervisor can present to x86 guests, before any filtering. */
  default List<CpuidEntry> supportedCpuid() throws HypervisorException {
    throw new UnsupportedOperationException(name() + " has no CPUID");
  }

  /** Largest number of vCPUs one VM may have. */
  int maxVcpus();

  @Override
  void close();

  enum Arch { X86_64, AARCH64 }
}
