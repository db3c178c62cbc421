package dev.sbx.vmm.hypervisor;

/** A kernel event object (an eventfd on Linux): signalled by one side, waited on by another. */
public interface EventNotifier extends AutoCloseable {

  void signal();

  /** Clears the event and returns how many signals it had accumulated (0 if none). */
  long drain();

  /** The OS handle (an eventfd) for polling; backends that have none return -1. */
  int fd();

  @Override
  void close();
}
