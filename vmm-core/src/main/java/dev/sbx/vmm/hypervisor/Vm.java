package dev.sbx.vmm.hypervisor;

import dev.sbx.vmm.memory.GuestMemory;
import java.util.List;

/** A virtual machine: guest memory, interrupt lines and vCPUs. */
public interface Vm extends AutoCloseable {

  /**
   * Maps guest RAM for the given ranges, each {@code [start, start+size)}, page aligned, and
   * returns the resulting memory. Called once, before the vCPUs run.
   */
  GuestMemory addMemory(List<MemoryRange> ranges) throws HypervisorException;

  /** Creates vCPU {@code index}; call from the thread that will run it. */
  Vcpu createVcpu(int index) throws HypervisorException;

  /** An edge- or level-capable interrupt line wired to the guest's interrupt controller. */
  InterruptLine interruptLine(int gsi) throws HypervisorException;

  /**
   * Kernel-side notification plumbing (ioeventfd/irqfd on KVM), when the backend has it; devices
   * fall back to MMIO exits and {@link #interruptLine} otherwise.
   */
  default java.util.Optional<EventPlumbing> eventPlumbing() {
    return java.util.Optional.empty();
  }

  /** Releases the VM; every vCPU must be closed first. Guest memory is unmapped. */
  @Override
  void close();

  record MemoryRange(long start, long size) {
    public MemoryRange {
      if ((start & 0xfff) != 0 || (size & 0xfff) != 0 || size <= 0 || start + size < start) {
        throw new IllegalArgumentException(String.format("bad memory range 0x%x+0x%x", start, size));
      }
    }
  }
}
