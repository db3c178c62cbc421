package dev.sbx.vmm.virtio.rng;

import dev.sbx.vmm.virtio.DescriptorChain;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioException;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.security.SecureRandom;
import java.util.List;

/** virtio-rng (device 4): fills each writable buffer with bytes from the host's {@link SecureRandom}. */
public final class RngDevice implements VirtioDevice {
  public static final int TYPE = 4;
  /** Most bytes handed out per request; Linux asks for far less. */
  static final int MAX_REQUEST = 64 * 1024;

  private final SecureRandom random = new SecureRandom();
  private List<Virtqueue> queues = List.of();
  private VirtioInterrupt interrupt;

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
    return 1;
  }

  @Override
  public int queueMaxSize(int index) {
    return 256;
  }

  @Override
  public int configSize() {
    return 0;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    java.util.Arrays.fill(dst, (byte) 0);
  }

  @Override
  public synchronized void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {
    this.queues = queues;
    this.interrupt = interrupt;
  }

  @Override
  public synchronized void queueNotified(int index) {
    if (index != 0 || queues.isEmpty()) {
      return;
    }
    Virtqueue q = queues.get(0);
    q.drain(this::fill);
    if (q.needsInterrupt()) {
      interrupt.signalUsedBuffer(0);
    }
  }

  private void fill(DescriptorChain c) {
    int n = Math.min(c.writableBytes(), MAX_REQUEST);
    byte[] b = new byte[n];
    random.nextBytes(b);
    try {
      c.writer().write(b);
    } catch (VirtioException e) {
      // Unreachable with n <= writableBytes; a chain without writable bytes simply gets 0.
    }
    queues.get(0).addUsed(c);
  }

  @Override
  public synchronized void reset() {
    queues = List.of();
    interrupt = null;
  }

  @Override
  public String toString() {
    return "virtio-rng";
  }
}
