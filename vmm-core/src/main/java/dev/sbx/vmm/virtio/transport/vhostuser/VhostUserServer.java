package dev.sbx.vmm.virtio.transport.vhostuser;

import dev.sbx.vmm.os.linux.UnixSocket;
import dev.sbx.vmm.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a Unix socket and serves one device to one frontend at a time, like QEMU's
 * {@code vhost-user-*} backends expect. {@link #serveOne()} returns when that frontend disconnects.
 */
public final class VhostUserServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VhostUserServer.class);
  private final Path path;
  private final VirtioDevice device;
  private final UnixSocket listener;
  private volatile VhostUserBackend current;
  private volatile boolean closed;

  public VhostUserServer(Path path, VirtioDevice device) throws IOException {
    this.path = path;
    this.device = device;
    if (Files.exists(path)) {
      throw new IOException("socket path " + path + " already exists; remove it or pick another path");
    }
    this.listener = UnixSocket.listen(path);
  }

  public Path path() {
    return path;
  }

  /** Accepts one frontend and serves it until it disconnects. */
  public void serveOne() throws IOException {
    UnixSocket conn = listener.accept();
    log.info("vhost-user frontend connected on {}", path);
    try (VhostUserBackend b = new VhostUserBackend(device, conn)) {
      current = b;
      b.serve();
    } finally {
      current = null;
      log.info("vhost-user frontend on {} disconnected", path);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    listener.close();
    VhostUserBackend b = current;
    if (b != null) {
      b.close();
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", path, e.getMessage());
    }
  }
}
