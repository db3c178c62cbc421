package dev.sbx.vmm.hypervisor;

/** A hypervisor call failed; the message names the call and the reason, and how to fix it if known. */
public class HypervisorException extends Exception {
  private static final long serialVersionUID = 1L;

  public HypervisorException(String message) {
    super(message);
  }

  public HypervisorException(String message, Throwable cause) {
    super(message, cause);
  }
}
