package dev.sbx.vmm.memory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest-physical memory: an immutable set of non-overlapping {@link GuestRegion}s. All access goes
 * through bounds-checked reads and writes; an address outside RAM, a range that wraps, or one that
 * crosses from one region into another raises {@link GuestMemoryException}. Values are
 * little-endian. Accesses are plain (not atomic); virtqueue code that needs ordering uses the
 * explicit acquire/release accessors.
 */
public final class GuestMemory {
  private final GuestRegion[] regions;
  private final long totalSize;

  public GuestMemory(List<GuestRegion> regions) {
    List<GuestRegion> sorted = new ArrayList<>(regions);
    sorted.sort(Comparator.comparingLong(GuestRegion::start));
    long total = 0;
    for (int i = 0; i < sorted.size(); i++) {
      if (i > 0 && sorted.get(i - 1).end() > sorted.get(i).start()) {
        throw new IllegalArgumentException("overlapping regions " + sorted.get(i - 1) + " and " + sorted.get(i));
      }
      total += sorted.get(i).size();
    }
    this.regions = sorted.toArray(new GuestRegion[0]);
    this.totalSize = total;
  }

  public List<GuestRegion> regions() {
    return List.of(regions);
  }

  /** Sum of all region sizes. */
  public long totalSize() {
    return totalSize;
  }

  /** One past the highest RAM address. */
  public long end() {
    return regions.length == 0 ? 0 : regions[regions.length - 1].end();
  }

  /** True if [address, address+length) is wholly inside one region. */
  public boolean isValidRange(long address, long length) {
    GuestRegion r = find(address);
    return r != null && r.containsRange(address, length);
  }

  public byte readByte(long address) {
    Location l = locate(address, 1);
    return l.buffer.get(l.offset);
  }

  public void writeByte(long address, byte value) {
    Location l = locate(address, 1);
    l.buffer.put(l.offset, value);
  }

  public short readShort(long address) {
    Location l = locate(address, 2);
    return l.contiguous ? l.buffer.getShort(l.offset) : (short) readSlow(address, 2);
  }

  public void writeShort(long address, short value) {
    Location l = locate(address, 2);
    if (l.contiguous) {
      l.buffer.putShort(l.offset, value);
    } else {
      writeSlow(address, 2, value);
    }
  }

  public int readInt(long address) {
    Location l = locate(address, 4);
    return l.contiguous ? l.buffer.getInt(l.offset) : (int) readSlow(address, 4);
  }

  public void writeInt(long address, int value) {
    Location l = locate(address, 4);
    if (l.contiguous) {
      l.buffer.putInt(l.offset, value);
    } else {
      writeSlow(address, 4, value);
    }
  }

  public long readLong(long address) {
    Location l = locate(address, 8);
    return l.contiguous ? l.buffer.getLong(l.offset) : readSlow(address, 8);
  }

  public void writeLong(long address, long value) {
    Location l = locate(address, 8);
    if (l.contiguous) {
      l.buffer.putLong(l.offset, value);
    } else {
      writeSlow(address, 8, value);
    }
  }

  /**
   * Reads an aligned 16-bit value with acquire ordering: later reads cannot move before it (a
   * virtqueue's avail.idx before its ring entries).
   */
  public short readShortAcquire(long address) {
    Location l = alignedShort(address);
    return (short) SHORT_VIEW.getAcquire(l.buffer, l.offset);
  }

  /**
   * Writes an aligned 16-bit value with release ordering: earlier writes become visible first (a
   * virtqueue's used elements before used.idx).
   */
  public void writeShortRelease(long address, short value) {
    Location l = alignedShort(address);
    SHORT_VIEW.setRelease(l.buffer, l.offset, value);
  }

  private static final java.lang.invoke.VarHandle SHORT_VIEW =
      java.lang.invoke.MethodHandles.byteBufferViewVarHandle(short[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private Location alignedShort(long address) {
    if ((address & 1) != 0) {
      throw new GuestMemoryException(String.format("unaligned 16-bit access at 0x%x", address));
    }
    return locate(address, 2);
  }

  /** Reads {@code length} bytes at {@code address} into {@code dst[offset..]}. */
  public void read(long address, byte[] dst, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, dst.length);
    GuestRegion r = region(address, length);
    long rel = address - r.start();
    while (length > 0) {
      ByteBuffer c = r.chunk(r.chunkIndex(rel));
      int co = r.chunkOffset(rel);
      int n = Math.min(length, c.capacity() - co);
      c.get(co, dst, offset, n);
      rel += n;
      offset += n;
      length -= n;
    }
  }

  public byte[] read(long address, int length) {
    byte[] b = new byte[length];
    read(address, b, 0, length);
    return b;
  }

  /** Writes {@code src[offset..offset+length)} at {@code address}. */
  public void write(long address, byte[] src, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, src.length);
    GuestRegion r = region(address, length);
    long rel = address - r.start();
    while (length > 0) {
      ByteBuffer c = r.chunk(r.chunkIndex(rel));
      int co = r.chunkOffset(rel);
      int n = Math.min(length, c.capacity() - co);
      c.put(co, src, offset, n);
      rel += n;
      offset += n;
      length -= n;
    }
  }

  public void write(long address, byte[] src) {
    write(address, src, 0, src.length);
  }

  /** Fills [address, address+length) with zeros. */
  public void zero(long address, long length) {
    GuestRegion r = region(address, length);
    long rel = address - r.start();
    byte[] zeros = new byte[(int) Math.min(length, 64 * 1024)];
    while (length > 0) {
      ByteBuffer c = r.chunk(r.chunkIndex(rel));
      int co = r.chunkOffset(rel);
      int n = (int) Math.min(Math.min(length, c.capacity() - co), zeros.length);
      c.put(co, zeros, 0, n);
      rel += n;
      length -= n;
    }
  }

  /**
   * A little-endian view of [address, address+length) for bulk I/O (for example a file channel
   * reading straight into guest RAM). The range must lie inside one backing chunk; callers that
   * need more split the transfer with {@link #contiguousLength}. The view cannot reach outside
   * the range.
   */
  public ByteBuffer slice(long address, int length) {
    Location l = locate(address, length);
    if (!l.contiguous) {
      throw new GuestMemoryException(String.format("range 0x%x+%d crosses a backing chunk", address, length));
    }
    return l.buffer.slice(l.offset, length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
  }

  /** How many bytes from {@code address} (at most {@code max}) can be sliced in one view. */
  public int contiguousLength(long address, int max) {
    GuestRegion r = find(address);
    if (r == null) {
      throw outside(address, 1);
    }
    long rel = address - r.start();
    long inChunk = r.chunk(r.chunkIndex(rel)).capacity() - r.chunkOffset(rel);
    return (int) Math.min(max, inChunk);
  }

  private GuestRegion find(long address) {
    int lo = 0;
    int hi = regions.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      GuestRegion r = regions[mid];
      if (address < r.start()) {
        hi = mid - 1;
      } else if (address >= r.end()) {
        lo = mid + 1;
      } else {
        return r;
      }
    }
    return null;
  }

  private GuestRegion region(long address, long length) {
    GuestRegion r = find(address);
    if (r == null || !r.containsRange(address, length)) {
      throw outside(address, length);
    }
    return r;
  }

  private static GuestMemoryException outside(long address, long length) {
    return new GuestMemoryException(String.format("guest range 0x%x+%d is outside guest RAM", address, length));
  }

  private record Location(ByteBuffer buffer, int offset, boolean contiguous) {}

  private Location locate(long address, int length) {
    GuestRegion r = region(address, length);
    long rel = address - r.start();
    ByteBuffer c = r.chunk(r.chunkIndex(rel));
    int co = r.chunkOffset(rel);
    return new Location(c, co, co + (long) length <= c.capacity());
  }

  private long readSlow(long address, int size) {
    byte[] b = read(address, size);
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  private void writeSlow(long address, int size, long value) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (value >>> (8 * i));
    }
    write(address, b, 0, size);
  }
}
