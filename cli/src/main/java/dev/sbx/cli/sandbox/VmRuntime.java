package dev.sbx.cli.sandbox;

import dev.sbx.cli.session.PortSpec;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sbx-vmm processes as the sandbox commands see them: one seam so the store and commands are
 * tested without booting a VM. {@link VmmRuntime} is the real one.
 */
public interface VmRuntime {
  /** The VMM's state, empty if it never ran; a dead process reads as stopped or error with a reason. */
  Optional<VmStatus> status(Path sandboxDir);

  /** Starts the VMM detached and waits until the guest is ready; nothing left running on failure. */
  VmStatus start(Path sandboxDir, LaunchSpec spec, Duration readyTimeout, Consumer<String> progress);

  /** Graceful stop, forced after {@code grace}; returns false if nothing was running. */
  boolean stop(Path sandboxDir, Duration grace) throws IOException;

  /** A new stream to a guest vsock port, through the VMM's control socket. */
  SocketChannel openVsock(Path sandboxDir, int port) throws IOException;

  /** Publishes a port on the running VMM; returns the bound mapping (an ephemeral port filled in). */
  PortSpec publish(Path sandboxDir, PortSpec spec) throws IOException;

  /** Withdraws a published mapping from the running VMM. */
  void unpublish(Path sandboxDir, PortSpec spec) throws IOException;

  /** The mappings the running VMM holds now. */
  List<PortSpec> ports(Path sandboxDir) throws IOException;
}
