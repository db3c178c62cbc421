package dev.sbx.vmm.hypervisor;

/** One interrupt input (a GSI on x86, an SPI on arm64). Thread-safe. */
public interface InterruptLine {

  /** Raises an edge: the guest sees one interrupt. */
  void trigger();

  /** Drives a level-triggered line. */
  void setLevel(boolean asserted);
}
