package dev.sbx.vmm.hypervisor;

/**
 * What the backend needs before the first vCPU exists.
 *
 * @param vcpuCount number of vCPUs the VM will have
 */
public record VmSpec(int vcpuCount) {
  public VmSpec {
    if (vcpuCount < 1) {
      throw new IllegalArgumentException("a VM needs at least one vCPU");
    }
  }
}
