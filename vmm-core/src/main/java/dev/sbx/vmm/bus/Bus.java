package dev.sbx.vmm.bus;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An address space (port I/O or MMIO) with devices at non-overlapping ranges. Lookups are a binary
 * search over an immutable array published on each insert, so the vCPU hot path takes no lock.
 * Accesses that hit no device read as all ones (an idle bus) and are counted.
 */
public final class Bus {
  private static final Logger log = LoggerFactory.getLogger(Bus.class);

  private final String name;
  private volatile Entry[] entries = new Entry[0];
  private final AtomicLong unclaimed = new AtomicLong();

  private record Entry(long base, long length, BusDevice device) {
    boolean contains(long address) {
      return address >= base && address - base < length;
    }
  }

  public Bus(String name) {
    this.name = name;
  }

  /** Adds a device at [base, base+length); refuses overlaps. */
  public synchronized void insert(BusDevice device, long base, long length) {
    if (length <= 0 || base + length < base) {
      throw new IllegalArgumentException("bad range for " + device);
    }
    for (Entry e : entries) {
      if (base < e.base + e.length && e.base < base + length) {
        throw new IllegalArgumentException(String.format("%s range 0x%x+0x%x overlaps %s at 0x%x",
            name, base, length, e.device, e.base));
      }
    }
    Entry[] next = Arrays.copyOf(entries, entries.length + 1);
    next[entries.length] = new Entry(base, length, device);
    Arrays.sort(next, (a, b) -> Long.compare(a.base, b.base));
    entries = next;
  }

  public long read(long address, int size) {
    Entry e = find(address);
    if (e == null || !fits(e, address, size)) {
      unclaimed(address, size, "read");
      return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }
    return e.device.read(address - e.base, size);
  }

  public void write(long address, int size, long value) {
    Entry e = find(address);
    if (e == null || !fits(e, address, size)) {
      unclaimed(address, size, "write");
      return;
    }
    e.device.write(address - e.base, size, value);
  }

  /** Accesses that reached no device, for diagnostics and tests. */
  public long unclaimedAccesses() {
    return unclaimed.get();
  }

  private static boolean fits(Entry e, long address, int size) {
    return address - e.base + size <= e.length;
  }

  private void unclaimed(long address, int size, String kind) {
    if (unclaimed.getAndIncrement() < 64 && log.isDebugEnabled()) {
      log.debug("{} {} of {} bytes at 0x{} reached no device", name, kind, size, Long.toHexString(address));
    }
  }

  private Entry find(long address) {
    Entry[] es = entries;
    int lo = 0;
    int hi = es.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Entry e = es[mid];
      if (address < e.base) {
        hi = mid - 1;
      } else if (address - e.base >= e.length) {
        lo = mid + 1;
      } else {
        return e;
      }
    }
    return null;
  }
}
