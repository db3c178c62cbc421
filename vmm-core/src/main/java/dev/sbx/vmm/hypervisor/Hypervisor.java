package dev.sbx.vmm.hypervisor;


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

  /** Largest number of vCPUs one VM may have. */
  int maxVcpus();

  @Override
  void close();

  enum Arch { X86_64, AARCH64 }
}
