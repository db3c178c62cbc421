package dev.sbx.vmm.hypervisor;

/**
 * Notifications that bypass the vCPU thread: a guest write to a doorbell address signals an event
 * in the kernel (KVM ioeventfd), and signalling an event raises an interrupt (KVM irqfd).
 */
public interface EventPlumbing {

  /**
   * Registers a doorbell: guest writes of {@code length} bytes to {@code address} with value
   * {@code match} (or any value if {@code match} is negative) signal the returned notifier.
   */
  EventNotifier registerDoorbell(long address, int length, long match) throws HypervisorException;

  /** An event that raises GSI {@code gsi} (edge) when signalled. */
  EventNotifier interruptEvent(int gsi) throws HypervisorException;
}
