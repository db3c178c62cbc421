package dev.sbx.vmm.engine;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A VM an {@link Engine} has started. */
public interface RunningVm extends AutoCloseable {

  /** The engine's own process (QEMU), or empty when the VM runs in this process. */
  OptionalLong enginePid();

  /** Completes once, when the VM has ended for any reason. */
  CompletableFuture<VmExit> onExit();

  /**
   * Waits up to {@code timeout} for the VM to end; after that, stops it and returns a
   * {@link ExitKind#TIMEOUT} exit (with where the guest was, when the engine knows).
   */
  default VmExit awaitExit(Duration timeout) throws InterruptedException {
    try {
      return onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      stop(Duration.ofSeconds(5));
      return VmExit.of(ExitKind.TIMEOUT, "guest still running after " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Ends the VM now (forced after {@code grace}); returns how it ended. */
  VmExit stop(Duration grace);

  /** Stops the VM if it still runs and releases everything the engine holds (sockets, threads, memory). */
  @Override
  void close();
}
