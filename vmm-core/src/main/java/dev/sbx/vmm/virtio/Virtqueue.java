package dev.sbx.vmm.virtio;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestMemoryException;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * One split virtqueue (virtio 1.2 §2.7) as the device sees it, with every check a hostile driver
 * calls for: ring placement, head count, index bounds, bounded chain walks, indirect-table rules,
 * buffer ranges, readable-before-writable order. A violation never throws: the queue becomes
 * {@linkplain #isBroken() broken}, stops, and tells its listener so the transport can report
 * DEVICE_NEEDS_RESET.
 *
 * <p>The transport writes the layout ({@link #setSize} and the three addresses) and calls {@link
 * #start}; the device calls {@link #pop}, {@link #addUsed} and {@link #needsInterrupt}. Not
 * thread-safe: one thread (or one lock) per queue.
 */
public final class Virtqueue {
  public static final int MAX_SIZE = 32768;
  static final int DESC_SIZE = 16;
  static final int F_NEXT = 1;
  static final int F_WRITE = 2;
  static final int F_INDIRECT = 4;
  private static final int AVAIL_F_NO_INTERRUPT = 1;

  private final int index;
  private final int maxSize;
  private final int maxChainBytes;

  private int size;
  private long descAddr;
  private long availAddr;
  private long usedAddr;
  private boolean ready;
  private boolean eventIdx;
  private boolean indirect;
  private GuestMemory memory;

  private short nextAvail;
  private short nextUsed;
  private short signalledUsed;
  private boolean usedSinceSignal;
  private volatile String brokenReason;
  private Consumer<String> brokenListener = reason -> {};

  // Scratch for chain walks, reused: a chain never holds more than MAX_SIZE buffers.
  private long[] scratchAddrs = new long[16];
  private int[] scratchLens = new int[16];

  public Virtqueue(int index, int maxSize, int maxChainBytes) {
    if (maxSize <= 0 || maxSize > MAX_SIZE || Integer.bitCount(maxSize) != 1) {
      throw new IllegalArgumentException("queue max size must be a power of two up to " + MAX_SIZE);
    }
    if (maxChainBytes <= 0) {
      throw new IllegalArgumentException("maxChainBytes must be positive");
    }
    this.index = index;
    this.maxSize = maxSize;
    this.maxChainBytes = maxChainBytes;
    this.size = maxSize;
  }

  public int index() {
    return index;
  }

  public int maxSize() {
    return maxSize;
  }

  public int size() {
    return size;
  }

  public void setSize(int size) {
    this.size = size;
  }

  public void setDescAddr(long addr) {
    this.descAddr = addr;
  }

  public void setAvailAddr(long addr) {
    this.availAddr = addr;
  }

  public void setUsedAddr(long addr) {
    this.usedAddr = addr;
  }

  public long descAddr() {
    return descAddr;
  }

  public long availAddr() {
    return availAddr;
  }

  public long usedAddr() {
    return usedAddr;
  }

  /** Where the device continues in the avail ring (vhost-user SET_VRING_BASE). */
  public void setNextAvail(int idx) {
    this.nextAvail = (short) idx;
  }

  public int nextAvail() {
    return Short.toUnsignedInt(nextAvail);
  }

  /** Called with the reason when the queue breaks. */
  public void setBrokenListener(Consumer<String> listener) {
    this.brokenListener = listener;
  }

  /**
   * Checks the layout against {@code memory} and starts the queue (rule 1: size a power of two no
   * larger than the maximum; each ring aligned and wholly in guest RAM). A bad layout leaves the
   * queue broken, not ready.
   *
   * @param usedFromRing continue from the used index already in the ring (vhost-user reconnects)
   *     instead of zero
   * @return true if the queue is ready
   */
  public boolean start(GuestMemory memory, long ackedFeatures, boolean usedFromRing) {
    this.memory = memory;
    this.eventIdx = VirtioFeatures.has(ackedFeatures, VirtioFeatures.EVENT_IDX);
    this.indirect = VirtioFeatures.has(ackedFeatures, VirtioFeatures.INDIRECT_DESC);
    String problem = layoutProblem();
    if (problem != null) {
      markBroken(problem);
      return false;
    }
    try {
      nextUsed = usedFromRing ? memory.readShortAcquire(usedAddr + 2) : 0;
    } catch (GuestMemoryException e) {
      markBroken(e.getMessage());
      return false;
    }
    signalledUsed = nextUsed;
    usedSinceSignal = false;
    ready = true;
    return true;
  }

  private String layoutProblem() {
    if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
      return "queue " + index + " size " + size + " is not a power of two up to " + maxSize;
    }
    if ((descAddr & 15) != 0 || (availAddr & 1) != 0 || (usedAddr & 3) != 0) {
      return "queue " + index + " rings are misaligned";
    }
    if (!memory.isValidRange(descAddr, (long) DESC_SIZE * size)
        || !memory.isValidRange(availAddr, 6 + 2L * size)
        || !memory.isValidRange(usedAddr, 6 + 8L * size)) {
      return "queue " + index + " rings are not inside guest RAM";
    }
    return null;
  }

  public boolean isReady() {
    return ready && brokenReason == null;
  }

  public boolean isBroken() {
    return brokenReason != null;
  }

  /** Why the queue broke, or null. */
  public String brokenReason() {
    return brokenReason;
  }

  /** Back to the power-on state: not ready, indices zero, not broken. */
  public void reset() {
    ready = false;
    size = maxSize;
    descAddr = availAddr = usedAddr = 0;
    nextAvail = nextUsed = signalledUsed = 0;
    usedSinceSignal = false;
    brokenReason = null;
    memory = null;
  }

  /** Stops the queue without forgetting its layout (vhost-user GET_VRING_BASE). */
  public void stop() {
    ready = false;
  }

  /** Marks the queue broken: no more chains are taken from it until it is reset. */
  public void markBroken(String reason) {
    if (brokenReason == null) {
      brokenReason = reason;
      ready = false;
      brokenListener.accept(reason);
    }
  }

  /**
   * Takes the next available chain, or returns null if there is none, the queue is not ready, or
   * the driver broke the ring (the queue is then broken).
   */
  public DescriptorChain pop() {
    if (!isReady()) {
      return null;
    }
    try {
      // Acquire: the ring entry and descriptors below are read after avail.idx (rule 10).
      int availIdx = Short.toUnsignedInt(memory.readShortAcquire(availAddr + 2));
      int pending = (availIdx - Short.toUnsignedInt(nextAvail)) & 0xffff;
      if (pending == 0) {
        return null;
      }
      if (pending > size) {
        markBroken("queue " + index + ": avail.idx moved " + pending + " entries, more than the queue size " + size);
        return null;
      }
      int slot = Short.toUnsignedInt(nextAvail) & (size - 1);
      int head = Short.toUnsignedInt(memory.readShort(availAddr + 4 + 2L * slot));
      DescriptorChain chain = walk(head);
      nextAvail++;
      return chain;
    } catch (VirtioException | GuestMemoryException e) {
      markBroken("queue " + index + ": " + e.getMessage());
      return null;
    }
  }

  private DescriptorChain walk(int head) {
    if (head >= size) {
      throw new VirtioException("head index " + head + " is outside the queue of " + size);
    }
    long table = descAddr;
    int entries = size;
    int idx = head;
    int ttl = size;
    boolean inIndirect = false;
    int count = 0;
    int readable = 0;
    long readBytes = 0;
    long writeBytes = 0;
    while (true) {
      if (ttl-- == 0) {
        throw new VirtioException("descriptor chain longer than its table (" + entries + "): a loop");
      }
      // Copy once (rule 8): each field is read exactly one time.
      long d = table + (long) DESC_SIZE * idx;
      long addr = memory.readLong(d);
      long len = Integer.toUnsignedLong(memory.readInt(d + 8));
      int flags = Short.toUnsignedInt(memory.readShort(d + 12));
      int next = Short.toUnsignedInt(memory.readShort(d + 14));
      if ((flags & F_INDIRECT) != 0) {
        if (!indirect) {
          throw new VirtioException("indirect descriptor but INDIRECT_DESC was not negotiated");
        }
        if (inIndirect) {
          throw new VirtioException("indirect descriptor inside an indirect table");
        }
        if ((flags & F_NEXT) != 0) {
          throw new VirtioException("indirect descriptor with NEXT set");
        }
        if (len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > MAX_SIZE) {
          throw new VirtioException("indirect table length " + len + " is not a non-zero multiple of 16 up to "
              + MAX_SIZE + " entries");
        }
        if (!memory.isValidRange(addr, len)) {
          throw new VirtioException(String.format("indirect table 0x%x+%d is outside guest RAM", addr, len));
        }
        table = addr;
        entries = (int) (len / DESC_SIZE);
        ttl = entries;
        idx = 0;
        inIndirect = true;
        continue;
      }
      boolean write = (flags & F_WRITE) != 0;
      if (!write && count > readable) {
        throw new VirtioException("readable descriptor after a writable one");
      }
      if (len > 0) {
        // Rule 6: the whole buffer in one RAM region, without wrapping.
        if (!memory.isValidRange(addr, len)) {
          throw new VirtioException(String.format("buffer 0x%x+%d is outside guest RAM", addr, len));
        }
        if (write) {
          writeBytes += len;
        } else {
          readBytes += len;
        }
        if (readBytes + writeBytes > maxChainBytes) {
          throw new VirtioException("chain carries more than " + maxChainBytes + " bytes");
        }
        if (count == scratchAddrs.length) {
          scratchAddrs = java.util.Arrays.copyOf(scratchAddrs, count * 2);
          scratchLens = java.util.Arrays.copyOf(scratchLens, count * 2);
        }
        scratchAddrs[count] = addr;
        scratchLens[count] = (int) len;
        count++;
        if (!write) {
          readable++;
        }
      }
      if ((flags & F_NEXT) == 0) {
        break;
      }
      if (next >= entries) {
        throw new VirtioException("next index " + next + " is outside the table of " + entries);
      }
      idx = next;
    }
    return new DescriptorChain(memory, head, scratchAddrs, scratchLens, count, readable, (int) readBytes,
        (int) writeBytes);
  }

  /** Returns a chain to the driver with {@code len} bytes written (rule 9), publishing used.idx with release. */
  public void addUsed(int head, int len) {
    if (!isReady()) {
      return;
    }
    try {
      int slot = Short.toUnsignedInt(nextUsed) & (size - 1);
      long e = usedAddr + 4 + 8L * slot;
      memory.writeInt(e, head);
      memory.writeInt(e + 4, len);
      nextUsed++;
      memory.writeShortRelease(usedAddr + 2, nextUsed);
      usedSinceSignal = true;
    } catch (GuestMemoryException e) {
      markBroken("queue " + index + ": " + e.getMessage());
    }
  }

  /** Returns a chain with the bytes its writer wrote. */
  public void addUsed(DescriptorChain chain) {
    addUsed(chain.head(), chain.bytesWritten());
  }

  /**
   * Whether the driver wants an interrupt for the used buffers added since the last call: with
   * EVENT_IDX when used.idx passed used_event, else unless avail.flags has NO_INTERRUPT.
   */
  public boolean needsInterrupt() {
    if (!isReady() || !usedSinceSignal) {
      return false;
    }
    // Full fence: the used.idx store must be visible before we read the driver's suppression state.
    VarHandle.fullFence();
    usedSinceSignal = false;
    try {
      if (eventIdx) {
        int usedEvent = Short.toUnsignedInt(memory.readShort(availAddr + 4 + 2L * size));
        int now = Short.toUnsignedInt(nextUsed);
        int old = Short.toUnsignedInt(signalledUsed);
        signalledUsed = nextUsed;
        return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
      }
      return (memory.readShort(availAddr) & AVAIL_F_NO_INTERRUPT) == 0;
    } catch (GuestMemoryException e) {
      markBroken("queue " + index + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * Asks the driver to notify on the next available buffer (EVENT_IDX: avail_event = next index)
   * and reports whether buffers arrived meanwhile, which the caller must then process: the loop
   * {@code do { while (pop) ...; } while (enableNotification())} never misses a kick.
   */
  public boolean enableNotification() {
    if (!isReady()) {
      return false;
    }
    try {
      if (eventIdx) {
        memory.writeShort(usedAddr + 4 + 8L * size, nextAvail);
      }
      VarHandle.fullFence();
      int availIdx = Short.toUnsignedInt(memory.readShortAcquire(availAddr + 2));
      return availIdx != Short.toUnsignedInt(nextAvail);
    } catch (GuestMemoryException e) {
      markBroken("queue " + index + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * Hands every available chain to {@code handler}, which must complete it with {@link #addUsed},
   * and re-arms notifications so a buffer added meanwhile is not missed.
   */
  public void drain(Consumer<DescriptorChain> handler) {
    do {
      DescriptorChain c;
      while ((c = pop()) != null) {
        handler.accept(c);
      }
    } while (enableNotification());
  }
}
