package dev.sbx.vmm.hypervisor.x86_64;

/**
 * One CPUID leaf/subleaf result.
 *
 * @param flags backend flags (KVM: bit 0 = index is significant)
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

  public CpuidEntry withRegisters(int eax, int ebx, int ecx, int edx) {
    return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
  }
}
