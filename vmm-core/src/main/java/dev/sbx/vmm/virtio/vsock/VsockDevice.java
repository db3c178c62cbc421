package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.DescriptorChain;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioException;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-vsock (device 19), stream sockets only, with Firecracker's host-side conventions:
 * the host connects to the Unix socket {@code uds} and sends {@code CONNECT <port>\n}, answered
 * with {@code OK <host port>\n} once the guest accepts; a guest connecting to host port P reaches
 * the in-process {@link VsockHandler} registered for P, else the Unix socket {@code <uds>_P}, else
 * gets RST. Credit-based flow control in both directions: the guest can never make the device
 * buffer more than {@link VsockConnection#BUF_ALLOC} bytes per connection, and the device never
 * sends more than the guest's advertised credit.
 *
 * <p>This class is the virtio part only (Firecracker's {@code device.rs}): queues, features, config
 * space, TX chains in and RX chains out. Packets go to and come from the {@link VsockMuxer}, which
 * owns the {@link VsockConnection}s. Each chain is a byte stream (vmm-facts §3.3): the header is the
 * first 44 bytes wherever they fall, the payload the next {@code len} bytes, so header and data in
 * one descriptor, in two, or split over many all work. All state, the queues here included, is
 * guarded by the muxer's monitor, since connection threads fill the RX queue too.
 */
public final class VsockDevice implements VirtioDevice {
  private static final Logger log = LoggerFactory.getLogger(VsockDevice.class);
  public static final int TYPE = 19;
  public static final long HOST_CID = 2;
  static final int RX = 0;
  static final int TX = 1;
  static final int EVENT = 2;
  static final int QUEUE_SIZE = 256;
  /** Largest payload of one packet, either way. */
  static final int MAX_PAYLOAD = 64 * 1024;
  public static final int DEFAULT_MAX_CONNECTIONS = 128;

  private final long guestCid;
  private final Path uds;
  private final VsockMuxer muxer;
  private List<Virtqueue> queues = List.of();
  private VirtioInterrupt interrupt;
  private boolean active;

  private VsockDevice(long guestCid, Path uds, int maxConnections) throws IOException {
    this.guestCid = guestCid;
    this.uds = uds;
    this.muxer = new VsockMuxer(guestCid, uds, maxConnections, this::fillRx);
  }

  /**
   * @param uds the host-side Unix socket (created here; must not exist), or null for in-process
   *     handlers only
   */
  public static VsockDevice create(long guestCid, Path uds, int maxConnections) throws IOException {
    if (guestCid < 3 || guestCid >= 0xffffffffL) {
      throw new IllegalArgumentException("guest CID " + guestCid + " is reserved; use 3 or more (below 2^32-1)");
    }
    VsockDevice d = new VsockDevice(guestCid, uds, maxConnections);
    d.muxer.startAccepting();
    return d;
  }

  /** Serves guest connections to host port {@code port} in-process. */
  public void registerHandler(int port, VsockHandler handler) {
    muxer.registerHandler(port, handler);
  }

  public long guestCid() {
    return guestCid;
  }

  @Override
  public int deviceType() {
    return TYPE;
  }

  @Override
  public long features() {
    return VirtioFeatures.RING_FEATURES;
  }

  @Override
  public int queueCount() {
    return 3;
  }

  @Override
  public int queueMaxSize(int index) {
    return QUEUE_SIZE;
  }

  @Override
  public int maxChainBytes() {
    return MAX_PAYLOAD + 4096;
  }

  @Override
  public int configSize() {
    return 8;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    for (int i = 0; i < dst.length; i++) {
      int o = offset + i;
      dst[i] = o >= 0 && o < 8 ? (byte) (guestCid >>> (8 * o)) : 0;
    }
  }

  @Override
  public void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {
    synchronized (muxer) {
      this.queues = queues;
      this.interrupt = interrupt;
      this.active = true;
      muxer.activate();
    }
  }

  @Override
  public void queueNotified(int index) {
    synchronized (muxer) {
      if (!active) {
        return;
      }
      if (index == TX) {
        Virtqueue tx = queues.get(TX);
        tx.drain(c -> {
          fromGuest(c);
          tx.addUsed(c.head(), 0);
        });
        if (tx.needsInterrupt()) {
          interrupt.signalUsedBuffer(TX);
        }
      }
      fillRx();
    }
  }

  /** One TX chain: the header, then the payload for the muxer to check and route. */
  private void fromGuest(DescriptorChain c) {
    ChainReader r = c.reader();
    if (r.remaining() < VsockHeader.SIZE) {
      log.debug("vsock packet shorter than its header; dropped");
      return;
    }
    muxer.fromGuest(VsockHeader.parse(r.readBytes(VsockHeader.SIZE)), r);
  }

  /** Fills guest RX buffers with what the muxer has waiting; with the muxer's monitor held. */
  private void fillRx() {
    if (!active) {
      return;
    }
    Virtqueue rx = queues.get(RX);
    boolean any = false;
    while (muxer.hasRxPending()) {
      DescriptorChain c = rx.pop();
      if (c == null) {
        if (rx.enableNotification()) {
          continue;
        }
        break;
      }
      any = true;
      if (c.writableBytes() < VsockHeader.SIZE) {
        rx.addUsed(c.head(), 0);
        continue;
      }
      try {
        muxer.writeRx(c.writer());
      } catch (VirtioException e) {
        log.debug("vsock rx buffer unusable: {}", e.getMessage());
      }
      rx.addUsed(c);
    }
    if (any && rx.needsInterrupt()) {
      interrupt.signalUsedBuffer(RX);
    }
  }

  @Override
  public void reset() {
    synchronized (muxer) {
      muxer.reset();
      active = false;
      queues = List.of();
      interrupt = null;
    }
  }

  /** Open connections, for tests and diagnostics. */
  public int connectionCount() {
    return muxer.connectionCount();
  }

  @Override
  public void close() {
    reset();
    muxer.close();
  }

  @Override
  public String toString() {
    return "virtio-vsock(cid " + guestCid + (uds == null ? "" : ", " + uds) + ")";
  }
}
