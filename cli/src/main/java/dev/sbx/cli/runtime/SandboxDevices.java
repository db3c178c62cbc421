package dev.sbx.cli.runtime;

import dev.sbx.image.ConfigDisk;
import dev.sbx.image.GuestConfig;
import dev.sbx.image.GuestImage;
import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.block.BlockDevice;
import dev.sbx.vmm.virtio.fs.FuseConfig;
import dev.sbx.vmm.virtio.fs.FuseServer;
import dev.sbx.vmm.virtio.fs.VirtioFsDevice;
import dev.sbx.vmm.virtio.rng.RngDevice;
import dev.sbx.vmm.virtio.vsock.VsockDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The devices of a sandbox VM, set up from its {@link VmSpec} in one place for every engine, in
 * the order the guest expects: {@code vda} the image's root file system (read-only), {@code vdb}
 * the sandbox's data disk (sparse, created on first start), {@code vdc} the config disk (rebuilt
 * at every start), one virtio-fs share per workspace, vsock (CID 3, egress on port 3128) and rng.
 */
final class SandboxDevices implements AutoCloseable {
  static final long GUEST_CID = 3;
  private static final String HOST_KEY = "ssh_host_ed25519_key";
  private static final String CLIENT_PUBLIC_KEY = "id_ed25519.pub";

  private final List<AttachedDevice> devices;

  private SandboxDevices(List<AttachedDevice> devices) {
    this.devices = List.copyOf(devices);
  }

  /** Opens every device; all or nothing. */
  static SandboxDevices open(VmSpec spec, SandboxFiles files, GuestImage image, SandboxProxy proxy)
      throws IOException {
    List<AttachedDevice> out = new ArrayList<>();
    try {
      out.add(new AttachedDevice("vda", BlockDevice.open(image.rootfs(), true), Optional.empty()));
      createDataDisk(files.dataDisk(), spec.dataDiskBytes());
      out.add(new AttachedDevice("vdb", BlockDevice.open(files.dataDisk(), false), Optional.empty()));
      ConfigDisk.write(guestConfig(spec, files, proxy), files.configDisk());
      out.add(new AttachedDevice("vdc", BlockDevice.open(files.configDisk(), true), Optional.empty()));
      for (int i = 0; i < spec.workspaces().size(); i++) {
        VmSpec.WorkspaceMount w = spec.workspaces().get(i);
        Path dir = Path.of(w.hostPath());
        if (!Files.isDirectory(dir)) {
          throw new IOException("workspace " + dir + " is not an existing folder; create it or remove it from the sandbox");
        }
        String tag = tag(i);
        out.add(new AttachedDevice(tag, new VirtioFsDevice(tag, FuseServer.open(dir, FuseConfig.defaults(w.readOnly()))),
            Optional.of(tag)));
      }
      VsockDevice vsock;
      try {
        vsock = VsockDevice.create(GUEST_CID, files.vsockSocket(), VsockDevice.DEFAULT_MAX_CONNECTIONS);
      } catch (IOException e) {
        throw new IOException("cannot create the vsock socket " + files.vsockSocket() + ": " + e.getMessage(), e);
      }
      out.add(new AttachedDevice("vsock", vsock, Optional.empty()));
      vsock.registerHandler(SandboxProxy.VSOCK_PORT, proxy.vsockHandler());
      out.add(new AttachedDevice("rng", new RngDevice(), Optional.empty()));
      return new SandboxDevices(out);
    } catch (IOException | RuntimeException e) {
      out.forEach(d -> d.device().close());
      throw e;
    }
  }

  static String tag(int workspace) {
    return "ws" + workspace;
  }

  static GuestConfig guestConfig(VmSpec spec, SandboxFiles files, SandboxProxy proxy) throws IOException {
    List<GuestConfig.Workspace> ws = new ArrayList<>();
    for (int i = 0; i < spec.workspaces().size(); i++) {
      VmSpec.WorkspaceMount w = spec.workspaces().get(i);
      ws.add(new GuestConfig.Workspace(tag(i), w.hostPath(), w.readOnly()));
    }
    try {
      return new GuestConfig(readIfPresent(files.sshDir().resolve(HOST_KEY)),
          readIfPresent(files.sshDir().resolve(CLIENT_PUBLIC_KEY)),
          Files.readString(proxy.caCertificate(), StandardCharsets.UTF_8), ws, spec.environment(), Optional.empty());
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot build the guest's config: " + e.getMessage(), e);
    }
  }

  private static String readIfPresent(Path file) throws IOException {
    return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  /** A sparse file of {@code bytes}, made whole or not at all; an existing disk is kept as it is. */
  static void createDataDisk(Path disk, long bytes) throws IOException {
    if (Files.exists(disk)) {
      return;
    }
    Path tmp = disk.resolveSibling("." + disk.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
      f.setLength(bytes);
      f.getFD().sync();
    }
    Files.move(tmp, disk, StandardCopyOption.ATOMIC_MOVE);
  }

  List<AttachedDevice> all() {
    return devices;
  }

  @Override
  public void close() {
    for (AttachedDevice d : devices) {
      d.device().close();
    }
  }
}
