package dev.sbx.cli.sandbox;

import dev.sbx.cli.UserException;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The runtime over sbx-vmm processes (dev.sbx.cli.runtime). */
public final class VmmRuntime implements VmRuntime {
  @Override
  public Optional<VmStatus> status(Path sandboxDir) {
    return Optional.empty();
  }

  @Override
  public VmStatus start(Path sandboxDir, LaunchSpec spec, Duration readyTimeout, Consumer<String> progress) {
    throw new UserException("this build cannot start sandboxes yet (the VMM runtime is missing)");
  }

  @Override
  public boolean stop(Path sandboxDir, Duration grace) {
    return false;
  }

  @Override
  public SocketChannel openVsock(Path sandboxDir, int port) throws IOException {
    throw new IOException("no VMM runtime");
  }

  @Override
  public PortSpec publish(Path sandboxDir, PortSpec spec) throws IOException {
    throw new IOException("no VMM runtime");
  }

  @Override
  public void unpublish(Path sandboxDir, PortSpec spec) throws IOException {
    throw new IOException("no VMM runtime");
  }

  @Override
  public List<PortSpec> ports(Path sandboxDir) throws IOException {
    return List.of();
  }
}
