package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.virtio.DescriptorChain;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-fs (device 26): one shared folder under a mount tag, served by a {@link FuseServer}.
 * Queue 0 is the high-priority queue (FORGET and BATCH_FORGET), queues 1..n carry requests; both
 * go through the same server, which answers any malformed request with a FUSE error. The
 * notification queue and the DAX window are not offered.
 *
 * <p>A notification is served in passes of at most one queue's worth of chains, with an interrupt
 * after each pass, so the guest sees completions while it keeps the ring busy; the work per chain
 * is bounded by {@link #maxChainBytes()} and the server's own limits.
 */
public final class VirtioFsDevice implements VirtioDevice {
  private static final Logger log = LoggerFactory.getLogger(VirtioFsDevice.class);
  public static final int TYPE = 26;
  public static final int TAG_BYTES = 36;
  static final int HIPRIO = 0;
  static final int QUEUE_SIZE = 1024;
  static final int CONFIG_SIZE = TAG_BYTES + 4;
  /** Room for the headers and arguments of any request on top of the largest READ or WRITE payload. */
  static final int CHAIN_OVERHEAD = FuseServer.MAX_ARGS + 4096;

  private final String tag;
  private final FuseServer server;
  private final int requestQueues;
  private final byte[] config;
  private List<Virtqueue> queues = List.of();
  private VirtioInterrupt interrupt;

  /** A device with one request queue. */
  public VirtioFsDevice(String tag, FuseServer server) {
    this(tag, server, 1);
  }

  /**
   * @param tag the mount tag the guest names ({@code mount -t virtiofs TAG DIR}): 1 to 36 bytes of
   *     UTF-8 without NUL
   * @param requestQueues number of request queues (1 to 64); the server handles one request at a
   *     time whichever queue it arrives on
   */
  public VirtioFsDevice(String tag, FuseServer server, int requestQueues) {
    byte[] t = tag.getBytes(StandardCharsets.UTF_8);
    if (t.length == 0 || t.length > TAG_BYTES || tag.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("virtio-fs tag '" + tag + "' must be 1 to 36 bytes without NUL");
    }
    if (requestQueues < 1 || requestQueues > 64) {
      throw new IllegalArgumentException("virtio-fs needs 1 to 64 request queues, not " + requestQueues);
    }
    this.tag = tag;
    this.server = server;
    this.requestQueues = requestQueues;
    ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    c.put(t);
    c.putInt(TAG_BYTES, requestQueues);
    this.config = c.array();
  }

  public String tag() {
    return tag;
  }

  public FuseServer server() {
    return server;
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
    return 1 + requestQueues;
  }

  @Override
  public int queueMaxSize(int index) {
    return QUEUE_SIZE;
  }

  @Override
  public int maxChainBytes() {
    return server.config().maxWrite() + CHAIN_OVERHEAD;
  }

  @Override
  public int configSize() {
    return CONFIG_SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    for (int i = 0; i < dst.length; i++) {
      int o = offset + i;
      dst[i] = o >= 0 && o < config.length ? config[o] : 0;
    }
  }

  @Override
  public synchronized void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {
    this.queues = List.copyOf(queues);
    this.interrupt = interrupt;
  }

  @Override
  public synchronized void queueNotified(int index) {
    if (index < 0 || index >= queues.size() || interrupt == null) {
      return;
    }
    Virtqueue q = queues.get(index);
    int budget = Math.max(q.size(), 1);
    boolean more = true;
    while (more && !q.isBroken()) {
      int served = 0;
      DescriptorChain c;
      while (served < budget && (c = q.pop()) != null) {
        serve(q, c);
        served++;
      }
      if (q.needsInterrupt()) {
        interrupt.signalUsedBuffer(index);
      }
      // After a full pass look again; otherwise re-arm notifications and catch late arrivals.
      more = served == budget || q.enableNotification();
    }
  }

  private void serve(Virtqueue q, DescriptorChain c) {
    try {
      server.handle(c.reader(), c.writer());
    } catch (RuntimeException e) {
      // FuseServer answers guest errors itself; anything else (guest memory remapped under us)
      // stops the queue instead of the VMM.
      log.warn("virtio-fs {}: request failed: {}", tag, e.toString());
      q.markBroken("virtio-fs request failed: " + e.getMessage());
      return;
    }
    q.addUsed(c);
  }

  @Override
  public synchronized void reset() {
    queues = List.of();
    interrupt = null;
  }

  /** Stops serving and closes the shared folder's host descriptors. */
  @Override
  public synchronized void close() {
    reset();
    server.close();
  }

  @Override
  public String toString() {
    return "virtio-fs(" + tag + ")";
  }
}
