package dev.sbx.vmm.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One contiguous range of guest-physical RAM backed by host memory. The backing is a sequence of
 * direct buffers of {@link #CHUNK_SIZE} bytes each (a {@link ByteBuffer} addresses at most 2 GiB),
 * so no raw host address ever leaves the backend that mapped it.
 */
public final class GuestRegion {
  /** Backing chunk size: 1 GiB, so chunk arithmetic is a shift and a mask. */
  public static final int CHUNK_SHIFT = 30;
  public static final long CHUNK_SIZE = 1L << CHUNK_SHIFT;

  private final long start;
  private final long size;
  private final ByteBuffer[] chunks;
  private final int chunkShift;

  /**
   * @param start guest-physical base
   * @param chunks backing buffers; all but the last exactly {@link #CHUNK_SIZE} bytes
   */
  public GuestRegion(long start, ByteBuffer... chunks) {
    this(start, CHUNK_SHIFT, chunks);
  }

  /** Smaller chunks let tests exercise chunk-crossing accesses without gigabytes of memory. */
  GuestRegion(long start, int chunkShift, ByteBuffer... chunks) {
    this.chunkShift = chunkShift;
    long chunkSize = 1L << chunkShift;
    if (chunks.length == 0) {
      throw new IllegalArgumentException("a region needs at least one chunk");
    }
    long total = 0;
    this.chunks = new ByteBuffer[chunks.length];
    for (int i = 0; i < chunks.length; i++) {
      ByteBuffer c = chunks[i];
      if (!c.isDirect()) {
        throw new IllegalArgumentException("guest memory chunks must be direct buffers");
      }
      if (i < chunks.length - 1 && c.capacity() != chunkSize) {
        throw new IllegalArgumentException("every chunk but the last must be " + chunkSize + " bytes");
      }
      this.chunks[i] = c.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
      total += c.capacity();
    }
    if (start < 0 || total == 0 || start + total < start) {
      throw new IllegalArgumentException("bad region " + Long.toHexString(start) + "+" + total);
    }
    this.start = start;
    this.size = total;
  }

  public long start() {
    return start;
  }

  public long size() {
    return size;
  }

  /** One past the last address. */
  public long end() {
    return start + size;
  }

  public boolean contains(long address) {
    return address >= start && address - start < size;
  }

  /** True if [address, address+length) lies wholly inside this region, without overflow. */
  public boolean containsRange(long address, long length) {
    if (length < 0 || !contains(address)) {
      return length == 0 && address == end();
    }
    return length <= size - (address - start);
  }

  ByteBuffer chunk(int index) {
    return chunks[index];
  }

  /** Chunk index of a region-relative offset. */
  int chunkIndex(long offset) {
    return (int) (offset >>> chunkShift);
  }

  int chunkOffset(long offset) {
    return (int) (offset & ((1L << chunkShift) - 1));
  }

  @Override
  public String toString() {
    return String.format("GuestRegion[0x%x..0x%x)", start, end());
  }
}
