package dev.sbx.vmm.hypervisor;

/**
 * Why a vCPU stopped running guest code. Backends map their native exit reasons onto this closed
 * set; the VMM's run loop handles each kind. Data values are little-endian in the low
 * {@code size} bytes of a {@code long}.
 */
public sealed interface VcpuExit {

  /** Port read: the loop answers with {@link Vcpu#completeRead(long)} before the next run. */
  record IoIn(int port, int size) implements VcpuExit {}

  record IoOut(int port, int size, long data) implements VcpuExit {}

  /** MMIO read: the loop answers with {@link Vcpu#completeRead(long)} before the next run. */
  record MmioRead(long address, int size) implements VcpuExit {}

  record MmioWrite(long address, int size, long data) implements VcpuExit {}

  /** The guest executed HLT with interrupts the backend does not handle in the kernel. */
  record Halt() implements VcpuExit {}

  /** The guest triple-faulted (or otherwise shut the CPU down). */
  record Shutdown() implements VcpuExit {}

  /** The guest asked the platform to reset or power off (PSCI, ACPI, hypervisor event). */
  record SystemEvent(Kind kind) implements VcpuExit {
    public enum Kind { RESET, POWER_OFF, CRASH }
  }

  /** {@link Vcpu#kick()} or a signal interrupted the run; the loop checks why and may resume. */
  record Interrupted() implements VcpuExit {}

  /** The hypervisor could not continue (for example an instruction it cannot emulate). */
  record InternalError(int suberror, String detail) implements VcpuExit {}

  /** Entering the guest failed: the vCPU state is invalid. */
  record FailEntry(long reason) implements VcpuExit {}

  /** A native exit reason this backend does not map. */
  record Unhandled(int reason, String name) implements VcpuExit {}
}
