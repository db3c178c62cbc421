package dev.sbx.vmm.virtio.transport.mmio;

import dev.sbx.vmm.bus.BusDevice;
import dev.sbx.vmm.hypervisor.EventNotifier;
import dev.sbx.vmm.hypervisor.EventPlumbing;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.InterruptLine;
import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.os.linux.EventLoop;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtio-mmio version 2 register file (virtio 1.2 §4.2.2) in front of one {@link VirtioDevice}.
 * Enforces the driver handshake: features only between DRIVER and FEATURES_OK, FEATURES_OK refused
 * for unoffered bits or a missing VERSION_1, queue registers only while the queue is not ready,
 * queues processed only after DRIVER_OK. Anything the guest breaks ends in DEVICE_NEEDS_RESET
 * plus a configuration interrupt, never an exception on the vCPU thread.
 *
 * <p>With {@link EventPlumbing} (KVM) QueueNotify writes are caught by ioeventfds and handled on an
 * {@link EventLoop} thread, and interrupts go out through an irqfd; without it both happen inline.
 */
public final class VirtioMmioTransport implements BusDevice, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VirtioMmioTransport.class);
  public static final long WINDOW_SIZE = 0x1000;

  static final int MAGIC = 0x000;
  static final int VERSION = 0x004;
  static final int DEVICE_ID = 0x008;
  static final int VENDOR_ID = 0x00c;
  static final int DEVICE_FEATURES = 0x010;
  static final int DEVICE_FEATURES_SEL = 0x014;
  static final int DRIVER_FEATURES = 0x020;
  static final int DRIVER_FEATURES_SEL = 0x024;
  static final int QUEUE_SEL = 0x030;
  static final int QUEUE_NUM_MAX = 0x034;
  static final int QUEUE_NUM = 0x038;
  static final int QUEUE_READY = 0x044;
  static final int QUEUE_NOTIFY = 0x050;
  static final int INTERRUPT_STATUS = 0x060;
  static final int INTERRUPT_ACK = 0x064;
  static final int STATUS = 0x070;
  static final int QUEUE_DESC_LOW = 0x080;
  static final int QUEUE_DESC_HIGH = 0x084;
  static final int QUEUE_DRIVER_LOW = 0x090;
  static final int QUEUE_DRIVER_HIGH = 0x094;
  static final int QUEUE_DEVICE_LOW = 0x0a0;
  static final int QUEUE_DEVICE_HIGH = 0x0a4;
  static final int SHM_SEL = 0x0ac;
  static final int SHM_LEN_LOW = 0x0b0;
  static final int SHM_BASE_HIGH = 0x0bc;
  static final int CONFIG_GENERATION = 0x0fc;
  static final int CONFIG = 0x100;

  static final int MAGIC_VALUE = 0x74726976;
  static final int VENDOR = 0x00584253; // "SBX"

  public static final int S_ACKNOWLEDGE = 1;
  public static final int S_DRIVER = 2;
  public static final int S_DRIVER_OK = 4;
  public static final int S_FEATURES_OK = 8;
  public static final int S_NEEDS_RESET = 64;
  public static final int S_FAILED = 128;

  static final int INT_USED = 1;
  static final int INT_CONFIG = 2;

  private final VirtioDevice device;
  private final GuestMemory memory;
  private final InterruptLine line;
  private final EventNotifier irqfd;
  private final EventLoop loop;
  private final List<EventNotifier> doorbells = new ArrayList<>();
  private final List<Virtqueue> queues = new ArrayList<>();
  private final AtomicInteger interruptStatus = new AtomicInteger();
  private final AtomicInteger configGeneration = new AtomicInteger();
  private final VirtioInterrupt interrupt = new Interrupt();

  private volatile int status;
  private int deviceFeaturesSel;
  private int driverFeaturesSel;
  private long driverFeatures;
  private int queueSel;

  /**
   * @param line the interrupt line, used when there is no irqfd
   * @param plumbing ioeventfd/irqfd support, or null to handle notifications inline
   * @param base this window's guest-physical base (doorbells are registered at base + 0x50)
   * @param gsi the interrupt's GSI, for the irqfd
   */
  public VirtioMmioTransport(VirtioDevice device, GuestMemory memory, InterruptLine line, EventPlumbing plumbing,
      long base, int gsi) throws HypervisorException, IOException {
    this.device = device;
    this.memory = memory;
    this.line = line;
    for (int i = 0; i < device.queueCount(); i++) {
      Virtqueue q = new Virtqueue(i, device.queueMaxSize(i), device.maxChainBytes());
      q.setBrokenListener(this::needsReset);
      queues.add(q);
    }
    if (plumbing != null) {
      this.irqfd = plumbing.interruptEvent(gsi);
      this.loop = new EventLoop("virtio-mmio@" + Long.toHexString(base));
      for (int i = 0; i < queues.size(); i++) {
        EventNotifier bell = plumbing.registerDoorbell(base + QUEUE_NOTIFY, 4, i);
        doorbells.add(bell);
        int q = i;
        loop.register(bell.fd(), () -> {
          bell.drain();
          notifyQueue(q);
        });
      }
    } else {
      this.irqfd = null;
      this.loop = null;
    }
  }

  public VirtioDevice device() {
    return device;
  }

  public int status() {
    return status;
  }

  @Override
  public long read(long offset, int size) {
    if (offset >= CONFIG) {
      return readConfig((int) (offset - CONFIG), size);
    }
    if (size != 4 || (offset & 3) != 0) {
      return 0;
    }
    return Integer.toUnsignedLong(readRegister((int) offset));
  }

  private int readRegister(int offset) {
    switch (offset) {
      case MAGIC:
        return MAGIC_VALUE;
      case VERSION:
        return 2;
      case DEVICE_ID:
        return device.deviceType();
      case VENDOR_ID:
        return VENDOR;
      case DEVICE_FEATURES:
        return deviceFeaturesSel > 1 ? 0 : (int) (offered() >>> (32 * deviceFeaturesSel));
      case QUEUE_NUM_MAX:
        return selected() == null ? 0 : selected().maxSize();
      case QUEUE_READY:
        synchronized (this) {
          return selected() != null && selected().isReady() ? 1 : 0;
        }
      case INTERRUPT_STATUS:
        return interruptStatus.get();
      case STATUS:
        return status;
      case SHM_LEN_LOW:
      case SHM_LEN_LOW + 4:
      case SHM_BASE_HIGH - 4:
      case SHM_BASE_HIGH:
        return -1; // no shared memory regions
      case CONFIG_GENERATION:
        return configGeneration.get();
      default:
        return 0;
    }
  }

  private long offered() {
    return device.features() | VirtioFeatures.bit(VirtioFeatures.VERSION_1);
  }

  private Virtqueue selected() {
    return queueSel < queues.size() ? queues.get(queueSel) : null;
  }

  private long readConfig(int offset, int size) {
    if (size != 1 && size != 2 && size != 4 && size != 8) {
      return 0;
    }
    byte[] b = new byte[size];
    if (offset < device.configSize()) {
      try {
        device.readConfig(offset, b);
      } catch (RuntimeException e) {
        log.warn("config read at {} failed", offset, e);
      }
    }
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  @Override
  public void write(long offset, int size, long value) {
    if (offset >= CONFIG) {
      if (size == 1 || size == 2 || size == 4 || size == 8) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
          b[i] = (byte) (value >>> (8 * i));
        }
        synchronized (this) {
          if ((status & S_FAILED) == 0) {
            device.writeConfig((int) (offset - CONFIG), b);
          }
        }
      }
      return;
    }
    if (size != 4 || (offset & 3) != 0) {
      return;
    }
    int v = (int) value;
    if (offset == QUEUE_NOTIFY) {
      // Reaches here only without an ioeventfd.
      notifyQueue(v);
      return;
    }
    if (offset == INTERRUPT_ACK) {
      int left = interruptStatus.updateAndGet(s -> s & ~v);
      if (left == 0 && irqfd == null) {
        line.setLevel(false);
      }
      return;
    }
    synchronized (this) {
      writeRegister((int) offset, v);
    }
  }

  private void writeRegister(int offset, int v) {
    switch (offset) {
      case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
      case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
      case DRIVER_FEATURES -> {
        if ((status & (S_DRIVER | S_FEATURES_OK)) == S_DRIVER && driverFeaturesSel <= 1) {
          int shift = 32 * driverFeaturesSel;
          driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | (Integer.toUnsignedLong(v) << shift);
        }
      }
      case QUEUE_SEL -> queueSel = v;
      case QUEUE_NUM -> queueRegister(q -> q.setSize(v));
      case QUEUE_DESC_LOW -> queueRegister(q -> q.setDescAddr(low(q.descAddr(), v)));
      case QUEUE_DESC_HIGH -> queueRegister(q -> q.setDescAddr(high(q.descAddr(), v)));
      case QUEUE_DRIVER_LOW -> queueRegister(q -> q.setAvailAddr(low(q.availAddr(), v)));
      case QUEUE_DRIVER_HIGH -> queueRegister(q -> q.setAvailAddr(high(q.availAddr(), v)));
      case QUEUE_DEVICE_LOW -> queueRegister(q -> q.setUsedAddr(low(q.usedAddr(), v)));
      case QUEUE_DEVICE_HIGH -> queueRegister(q -> q.setUsedAddr(high(q.usedAddr(), v)));
      case QUEUE_READY -> queueReady(v);
      case STATUS -> writeStatus(v);
      case SHM_SEL -> { }
      default -> log.debug("write to read-only or unknown virtio-mmio register 0x{}", Integer.toHexString(offset));
    }
  }

  private static long low(long old, int v) {
    return (old & 0xffffffff00000000L) | Integer.toUnsignedLong(v);
  }

  private static long high(long old, int v) {
    return (old & 0xffffffffL) | (Integer.toUnsignedLong(v) << 32);
  }

  /** Queue layout writes count only after FEATURES_OK, before DRIVER_OK, and while the queue is not ready. */
  private void queueRegister(java.util.function.Consumer<Virtqueue> set) {
    Virtqueue q = selected();
    if (q == null || q.isReady() || (status & (S_FEATURES_OK | S_DRIVER_OK | S_FAILED)) != S_FEATURES_OK) {
      log.debug("queue register write ignored (queue {}, status 0x{})", queueSel, Integer.toHexString(status));
      return;
    }
    set.accept(q);
  }

  private void queueReady(int v) {
    Virtqueue q = selected();
    if (q == null || (status & S_FEATURES_OK) == 0) {
      return;
    }
    if (v == 1 && !q.isReady() && !q.isBroken()) {
      q.start(memory, driverFeatures, false);
    } else if (v == 0 && q.isReady()) {
      q.stop();
    }
  }

  private void writeStatus(int v) {
    if (v == 0) {
      reset();
      return;
    }
    int old = status;
    if ((v & old) != old) {
      // Drivers only add bits until they reset; clearing any is a broken driver.
      needsReset("driver cleared status bits 0x" + Integer.toHexString(old & ~v));
      return;
    }
    int added = v & ~old;
    if ((added & S_FEATURES_OK) != 0) {
      long unoffered = driverFeatures & ~offered();
      if (unoffered != 0 || !VirtioFeatures.has(driverFeatures, VirtioFeatures.VERSION_1)
          || (old & S_DRIVER) == 0) {
        log.info("refusing driver features 0x{} (offered 0x{})", Long.toHexString(driverFeatures),
            Long.toHexString(offered()));
        v &= ~S_FEATURES_OK;
      }
    }
    if ((added & S_DRIVER_OK) != 0 && (v & S_FEATURES_OK) == 0) {
      v &= ~S_DRIVER_OK;
    }
    status = v | (old & S_NEEDS_RESET);
    if ((added & S_DRIVER_OK) != 0 && (status & S_DRIVER_OK) != 0 && (status & S_NEEDS_RESET) == 0) {
      try {
        device.activate(driverFeatures, List.copyOf(queues), interrupt);
      } catch (RuntimeException e) {
        log.warn("activating {} failed", device, e);
        needsReset("activation failed: " + e.getMessage());
      }
    }
  }

  private void reset() {
    try {
      device.reset();
    } catch (RuntimeException e) {
      log.warn("resetting {} failed", device, e);
    }
    for (Virtqueue q : queues) {
      q.reset();
    }
    status = 0;
    driverFeatures = 0;
    deviceFeaturesSel = driverFeaturesSel = queueSel = 0;
    interruptStatus.set(0);
    if (irqfd == null) {
      line.setLevel(false);
    }
  }

  private void notifyQueue(int index) {
    synchronized (this) {
      if ((status & (S_DRIVER_OK | S_NEEDS_RESET | S_FAILED)) != S_DRIVER_OK
          || index < 0 || index >= queues.size()) {
        return;
      }
      try {
        device.queueNotified(index);
      } catch (RuntimeException e) {
        // A device bug, not guest input: stop this device rather than the VMM.
        log.error("{} failed on queue {}", device, index, e);
        needsReset("device error: " + e);
      }
    }
  }

  /** The device or a queue is broken: tell the driver (virtio 1.2 §2.1.2). */
  private void needsReset(String reason) {
    log.warn("virtio device {} needs reset: {}", device.deviceType(), reason);
    if ((status & S_NEEDS_RESET) == 0) {
      status |= S_NEEDS_RESET;
      if ((status & S_DRIVER_OK) != 0) {
        raise(INT_CONFIG);
      }
    }
  }

  private void raise(int bit) {
    // Status bit first, then the edge: the driver's handler must see why it ran.
    interruptStatus.getAndUpdate(s -> s | bit);
    if (irqfd != null) {
      irqfd.signal();
    } else {
      line.trigger();
    }
  }

  private final class Interrupt implements VirtioInterrupt {
    @Override
    public void signalUsedBuffer(int queue) {
      raise(INT_USED);
    }

    @Override
    public void signalConfigChange() {
      configGeneration.incrementAndGet();
      raise(INT_CONFIG);
    }
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    for (EventNotifier n : doorbells) {
      n.close();
    }
    if (irqfd != null) {
      irqfd.close();
    }
    synchronized (this) {
      reset();
    }
    device.close();
  }
}
