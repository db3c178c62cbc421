package dev.sbx.cli.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What differs per engine: how the guest's CPUs run and how the (shared) device objects reach
 * them. Everything else (devices, control socket, proxy, lifecycle, state) is {@link Vmm}'s.
 */
interface VmBackend {

  /** Engine name as in {@link VmSpec#engine()}. */
  String engine();

  /** Kernel parameters this engine needs on top of the image's command line (may be empty). */
  String kernelParameters();

  /**
   * Boots the machine. Call from a thread that lives as long as the machine (the VMM's main
   * thread): child processes are tied to it. On failure nothing is left running.
   *
   * @param console receives the serial console
   */
  Running start(BootSpec boot, List<SandboxDevice> devices, SandboxFiles files, OutputStream console)
      throws IOException;

  /** A machine that has been started. */
  interface Running {
    /** The engine's own process (QEMU), or -1 when the machine runs in this process. */
    long enginePid();

    /** Completes once, when the machine has ended for any reason. */
    CompletableFuture<VmExit> onExit();

    /** Ends the machine now (forced); returns how it ended. */
    VmExit stop(Duration grace);

    /** Releases everything the engine holds (sockets, threads, memory). */
    void close();
  }
}
