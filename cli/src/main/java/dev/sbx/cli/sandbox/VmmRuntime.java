package dev.sbx.cli.sandbox;

import dev.sbx.cli.session.PortSpec;

import dev.sbx.cli.UserException;
import dev.sbx.cli.runtime.VmSpec;
import dev.sbx.cli.runtime.VmmControl;
import dev.sbx.cli.runtime.VmmLauncher;
import dev.sbx.cli.runtime.VmmState;
import dev.sbx.cli.runtime.VmmStatus;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The runtime over sbx-vmm processes ({@code dev.sbx.cli.runtime}): vm.json, launcher, control socket. */
public final class VmmRuntime implements VmRuntime {
  @Override
  public Optional<VmStatus> status(Path sandboxDir) {
    return VmmState.read(sandboxDir).map(VmmRuntime::convert);
  }

  private static VmStatus convert(VmmStatus s) {
    return new VmStatus(SandboxState.parse(s.state()), s.pid(), s.engine(), s.reason());
  }

  @Override
  public VmStatus start(Path sandboxDir, LaunchSpec spec, Duration readyTimeout, Consumer<String> progress) {
    List<VmSpec.WorkspaceMount> mounts = new ArrayList<>();
    for (Workspace w : spec.workspaces()) {
      mounts.add(new VmSpec.WorkspaceMount(w.path(), w.readOnly()));
    }
    try {
      new VmSpec(spec.sandboxId(), spec.name(), spec.engine(), spec.cpus(), spec.memoryBytes(),
          spec.dataDiskBytes(), mounts, spec.environment(), spec.publish()).write(sandboxDir.resolve("vm.json"));
    } catch (IllegalArgumentException e) {
      throw new UserException("cannot start: " + e.getMessage());
    } catch (IOException e) {
      throw new UserException("cannot write " + sandboxDir.resolve("vm.json") + ": " + e.getMessage());
    }
    return convert(VmmLauncher.start(sandboxDir, readyTimeout, progress));
  }

  @Override
  public boolean stop(Path sandboxDir, Duration grace) throws IOException {
    Optional<VmmControl> c = VmmControl.connect(sandboxDir);
    if (c.isEmpty()) {
      return false;
    }
    c.get().stop(grace);
    return true;
  }

  @Override
  public SocketChannel openVsock(Path sandboxDir, int port) throws IOException {
    return control(sandboxDir).openVsock(port);
  }

  @Override
  public PortSpec publish(Path sandboxDir, PortSpec spec) throws IOException {
    String reply = control(sandboxDir).request("PUBLISH " + spec.spec());
    if (reply.startsWith("OK ")) {
      return PortSpec.parse(reply.substring(3));
    }
    throw new UserException(reply.replaceFirst("^ERR ", ""));
  }

  @Override
  public void unpublish(Path sandboxDir, PortSpec spec) throws IOException {
    String reply = control(sandboxDir).request("UNPUBLISH " + spec.spec());
    if (!reply.startsWith("OK")) {
      throw new UserException(reply.replaceFirst("^ERR ", ""));
    }
  }

  @Override
  public List<PortSpec> ports(Path sandboxDir) throws IOException {
    String reply = control(sandboxDir).request("PORTS");
    if (!reply.startsWith("OK")) {
      throw new IOException(reply);
    }
    List<PortSpec> out = new ArrayList<>();
    for (String s : reply.substring(2).strip().split(" ")) {
      if (!s.isEmpty()) {
        out.add(PortSpec.parse(s));
      }
    }
    return out;
  }

  private static VmmControl control(Path sandboxDir) throws IOException {
    return VmmControl.connect(sandboxDir).orElseThrow(() -> new IOException("the sandbox is not running"));
  }
}
