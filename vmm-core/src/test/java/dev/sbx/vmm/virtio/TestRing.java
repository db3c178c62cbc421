package dev.sbx.vmm.virtio;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The driver's side of a split virtqueue in synthetic guest memory (1 MiB at 0): tests write
 * descriptors and avail entries the way a (possibly hostile) driver would.
 */
public final class TestRing {
  public static final int NEXT = 1;
  public static final int WRITE = 2;
  public static final int INDIRECT = 4;
  public static final long RAM = 1 << 20;
  public static final long DESC = 0x1000;
  public static final long AVAIL = 0x3000;
  public static final long USED = 0x4000;
  public static final long DATA = 0x10000;

  public final GuestMemory mem;
  public final int size;
  public final Virtqueue queue;
  private int availIdx;

  public TestRing(int size) {
    this(size, VirtioFeatures.RING_FEATURES, 1 << 20);
  }

  public TestRing(int size, long features, int maxChainBytes) {
    this.mem = new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect((int) RAM))));
    this.size = size;
    this.queue = new Virtqueue(0, Math.max(size, 256), maxChainBytes);
    queue.setSize(size);
    queue.setDescAddr(DESC);
    queue.setAvailAddr(AVAIL);
    queue.setUsedAddr(USED);
    if (!queue.start(mem, features, false)) {
      throw new IllegalStateException(queue.brokenReason());
    }
  }

  public void desc(int i, long addr, int len, int flags, int next) {
    descAt(DESC, i, addr, len, flags, next);
  }

  public void descAt(long table, int i, long addr, int len, int flags, int next) {
    long d = table + 16L * i;
    mem.writeLong(d, addr);
    mem.writeInt(d + 8, len);
    mem.writeShort(d + 12, (short) flags);
    mem.writeShort(d + 14, (short) next);
  }

  /** Makes chain {@code head} available. */
  public void offer(int head) {
    mem.writeShort(AVAIL + 4 + 2L * (availIdx % size), (short) head);
    availIdx++;
    mem.writeShort(AVAIL + 2, (short) availIdx);
  }

  public void setAvailIdx(int idx) {
    availIdx = idx;
    mem.writeShort(AVAIL + 2, (short) idx);
  }

  public int usedIdx() {
    return Short.toUnsignedInt(mem.readShort(USED + 2));
  }

  public int usedId(int i) {
    return mem.readInt(USED + 4 + 8L * (i % size));
  }

  public int usedLen(int i) {
    return mem.readInt(USED + 4 + 8L * (i % size) + 4);
  }

  public void setUsedEvent(int v) {
    mem.writeShort(AVAIL + 4 + 2L * size, (short) v);
  }

  public int availEvent() {
    return Short.toUnsignedInt(mem.readShort(USED + 4 + 8L * size));
  }
}
