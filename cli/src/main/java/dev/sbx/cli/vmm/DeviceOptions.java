package dev.sbx.cli.vmm;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.block.BlockDevice;
import dev.sbx.vmm.virtio.fs.FuseConfig;
import dev.sbx.vmm.virtio.fs.FuseServer;
import dev.sbx.vmm.virtio.fs.VirtioFsDevice;
import dev.sbx.vmm.virtio.rng.RngDevice;
import dev.sbx.vmm.virtio.vsock.VsockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The virtio device flags shared by {@code sbx vmm run} and {@code sbx vmm vhost-user}. */
public final class DeviceOptions {
  @Option(names = "--disk", paramLabel = "PATH[,ro]",
      description = "Raw disk image (size a multiple of 512) as a virtio-blk device; ',ro' makes it read-only. Repeatable.")
  List<String> disks = new ArrayList<>();

  @Option(names = "--share", paramLabel = "TAG=PATH[,ro]",
      description = "Host folder shared over virtio-fs under mount tag TAG; ',ro' makes it read-only. Repeatable.")
  List<String> shares = new ArrayList<>();

  @Option(names = "--vsock", paramLabel = "CID", description = "Add a virtio-vsock device with this guest CID (3 or more).")
  Long vsockCid;

  @Option(names = "--vsock-uds", paramLabel = "PATH",
      description = "Host Unix socket for vsock (created; must not exist): the host connects here and sends 'CONNECT <port>'; guest connections to host port P go to the socket PATH_P. Without it only in-process services answer.")
  Path vsockUds;

  @Option(names = "--rng", description = "Add a virtio-rng device fed by the host's SecureRandom.")
  boolean rng;

  /** A parsed {@code --disk} value. */
  record DiskSpec(Path path, boolean readOnly) {
    static DiskSpec parse(String spec) {
      String s = spec;
      boolean ro = false;
      if (s.endsWith(",ro")) {
        ro = true;
        s = s.substring(0, s.length() - 3);
      } else if (s.endsWith(",rw")) {
        s = s.substring(0, s.length() - 3);
      }
      if (s.isEmpty() || s.contains(",")) {
        throw new UserException("--disk " + spec + ": expected PATH or PATH,ro", ExitCodes.USAGE);
      }
      return new DiskSpec(Path.of(s), ro);
    }
  }

  /** A parsed {@code --share} value. */
  record ShareSpec(String tag, Path path, boolean readOnly) {
    static ShareSpec parse(String spec) {
      String s = spec;
      boolean ro = false;
      if (s.endsWith(",ro")) {
        ro = true;
        s = s.substring(0, s.length() - 3);
      }
      int eq = s.indexOf('=');
      if (eq <= 0 || eq == s.length() - 1) {
        throw new UserException("--share " + spec + ": expected TAG=PATH or TAG=PATH,ro", ExitCodes.USAGE);
      }
      String tag = s.substring(0, eq);
      if (tag.length() > 36 || !tag.matches("[A-Za-z0-9._-]+")) {
        throw new UserException("--share " + spec + ": the tag must be 1-36 letters, digits, '.', '_' or '-'",
            ExitCodes.USAGE);
      }
      return new ShareSpec(tag, Path.of(s.substring(eq + 1)), ro);
    }
  }

  List<DiskSpec> diskSpecs() {
    return disks.stream().map(DiskSpec::parse).toList();
  }

  List<ShareSpec> shareSpecs() {
    return shares.stream().map(ShareSpec::parse).toList();
  }

  static BlockDevice openDisk(DiskSpec d) {
    try {
      return BlockDevice.open(d.path(), d.readOnly());
    } catch (IOException e) {
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    }
  }

  static VirtioDevice openShare(ShareSpec s) {
    if (!Files.isDirectory(s.path())) {
      throw new UserException("--share " + s.tag() + "=" + s.path() + ": " + s.path()
          + " is not an existing folder; create it or give another path", ExitCodes.FAILURE);
    }
    try {
      return new VirtioFsDevice(s.tag(), FuseServer.open(s.path(), FuseConfig.defaults(s.readOnly())));
    } catch (IOException e) {
      throw new UserException("--share " + s.tag() + "=" + s.path() + ": " + e.getMessage(), ExitCodes.FAILURE, e);
    }
  }

  VirtioDevice openVsock() {
    if (vsockCid < 3 || vsockCid >= 0xffffffffL) {
      throw new UserException("--vsock " + vsockCid + ": CIDs 0-2 and 2^32-1 are reserved; use 3 or more",
          ExitCodes.USAGE);
    }
    try {
      return VsockDevice.create(vsockCid, vsockUds, VsockDevice.DEFAULT_MAX_CONNECTIONS);
    } catch (IOException e) {
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    }
  }

  /** Opens every requested device in a fixed order (disks, shares, vsock, rng); all or nothing. */
  List<VirtioDevice> openAll() {
    List<VirtioDevice> out = new ArrayList<>();
    try {
      for (DiskSpec d : diskSpecs()) {
        out.add(openDisk(d));
      }
      for (ShareSpec s : shareSpecs()) {
        out.add(openShare(s));
      }
      if (vsockCid != null) {
        out.add(openVsock());
      }
      if (rng) {
        out.add(new RngDevice());
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(VirtioDevice::close);
      throw e;
    }
  }
}
