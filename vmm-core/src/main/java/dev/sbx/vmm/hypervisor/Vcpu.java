package dev.sbx.vmm.hypervisor;


/**
 * One virtual CPU. {@link #run()} and the state setters must be called from the thread that owns
 * the vCPU (HVF requires it; KVM is faster that way); {@link #kick()} may be called from any
 * thread.
 */
public interface Vcpu extends AutoCloseable {

  int index();

  /** Runs guest code until the next exit the VMM must handle. */
  VcpuExit run() throws HypervisorException;

  /** Supplies the value for the pending {@link VcpuExit.IoIn} or {@link VcpuExit.MmioRead}. */
  void completeRead(long value);

  /**
   * Makes a current or the next {@link #run()} return {@link VcpuExit.Interrupted} promptly.
   * Safe from any thread, and never lost if it races with entry into the guest.
   */
  void kick();

  @Override
  void close();
}
