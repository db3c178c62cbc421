package dev.sbx.cli.vmm;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.vmm.virtio.transport.vhostuser.VhostUserServer;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.rng.RngDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sbx vmm vhost-user}: serves one sbx virtio device to an external VMM (QEMU's
 * {@code vhost-user-blk}, {@code vhost-user-vsock-device}, {@code vhost-user-rng},
 * {@code vhost-user-fs-device}) until the frontend disconnects or the process is signalled.
 */
@Command(name = "vhost-user", description = {
    "Serve one virtio device over a vhost-user socket until the frontend disconnects.",
    "Example: sbx vmm vhost-user --socket /tmp/blk.sock --device blk --disk disk.img"})
public final class VmmVhostUserCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(VmmVhostUserCommand.class);

  @Option(names = "--socket", required = true, paramLabel = "PATH", description = "Unix socket to listen on (must not exist).")
  Path socket;

  @Option(names = "--device", required = true, paramLabel = "blk|fs|vsock|rng", description = "Which device to serve.")
  String device;

  @Mixin DeviceOptions devices;

  @Override
  public Integer call() {
    VirtioDevice dev = open();
    VhostUserServer server;
    try {
      server = new VhostUserServer(socket, dev);
    } catch (IOException e) {
      dev.close();
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    }
    Thread hook = new Thread(server::close, "vhost-user-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      log.info("serving {} on {}", dev, socket);
      server.serveOne();
      return ExitCodes.OK;
    } catch (IOException e) {
      throw new UserException("vhost-user on " + socket + ": " + e.getMessage(), ExitCodes.FAILURE, e);
    } finally {
      server.close();
      dev.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // Already shutting down.
      }
    }
  }

  private VirtioDevice open() {
    switch (device) {
      case "blk" -> {
        var disks = devices.diskSpecs();
        if (disks.size() != 1) {
          throw new UserException("--device blk needs exactly one --disk PATH[,ro]", ExitCodes.USAGE);
        }
        return DeviceOptions.openDisk(disks.get(0));
      }
      case "fs" -> {
        var shares = devices.shareSpecs();
        if (shares.size() != 1) {
          throw new UserException("--device fs needs exactly one --share TAG=PATH[,ro]", ExitCodes.USAGE);
        }
        return DeviceOptions.openShare(shares.get(0));
      }
      case "vsock" -> {
        if (devices.vsockCid == null) {
          throw new UserException("--device vsock needs --vsock CID", ExitCodes.USAGE);
        }
        if (devices.vsockUds == null) {
          devices.vsockUds = Path.of(socket + ".vsock");
        }
        return devices.openVsock();
      }
      case "rng" -> {
        return new RngDevice();
      }
      default -> throw new UserException("--device " + device + " is unknown; use blk, fs, vsock or rng", ExitCodes.USAGE);
    }
  }
}
