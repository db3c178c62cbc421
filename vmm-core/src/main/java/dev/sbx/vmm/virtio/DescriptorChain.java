package dev.sbx.vmm.virtio;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestMemoryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One validated descriptor chain: its head index and the guest buffers it names, device-readable
 * ones first. Every buffer was checked to lie inside guest RAM when the chain was walked, and the
 * descriptors were copied once, so later guest writes to the descriptor table change nothing here.
 * The data itself stays in guest memory and may still change under the device: read each field
 * once.
 */
public final class DescriptorChain {
  private final GuestMemory memory;
  private final int head;
  private final long[] addrs;
  private final int[] lens;
  private final int readableCount;
  private final int readableBytes;
  private final int writableBytes;
  private Reader reader;
  private Writer writer;

  DescriptorChain(GuestMemory memory, int head, long[] addrs, int[] lens, int count, int readableCount,
      int readableBytes, int writableBytes) {
    this.memory = memory;
    this.head = head;
    this.addrs = java.util.Arrays.copyOf(addrs, count);
    this.lens = java.util.Arrays.copyOf(lens, count);
    this.readableCount = readableCount;
    this.readableBytes = readableBytes;
    this.writableBytes = writableBytes;
  }

  /** The head descriptor index, which the used ring reports back. */
  public int head() {
    return head;
  }

  public int readableBytes() {
    return readableBytes;
  }

  public int writableBytes() {
    return writableBytes;
  }

  /** The readable buffers as one stream; the same cursor on every call. */
  public ChainReader reader() {
    if (reader == null) {
      reader = new Reader();
    }
    return reader;
  }

  /** The writable buffers as one stream; the same cursor on every call. */
  public ChainWriter writer() {
    if (writer == null) {
      writer = new Writer();
    }
    return writer;
  }

  /** Bytes written through {@link #writer()} so far: the used length. */
  public int bytesWritten() {
    return writer == null ? 0 : writer.written;
  }

  /** A byte cursor over the segments from {@code first} on; shared by the two directions. */
  private abstract class Cursor {
    private final int total;
    private int segment;
    private int segmentOffset;
    int done;

    Cursor(int first, int total) {
      this.total = total;
      this.segment = first;
    }

    public int remaining() {
      return total - done;
    }

    void require(int length) {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("request needs " + length + " more bytes but the chain has " + remaining()
            + " in its " + direction() + " buffers");
      }
    }

    abstract String direction();

    /** Calls {@code step} with contiguous guest pieces until {@code length} bytes are covered or it stops. */
    int walk(int length, Step step) throws IOException {
      int moved = 0;
      while (moved < length) {
        while (segmentOffset == lens[segment]) {
          segment++;
          segmentOffset = 0;
        }
        long addr = addrs[segment] + segmentOffset;
        int want = Math.min(length - moved, lens[segment] - segmentOffset);
        int piece = memory.contiguousLength(addr, want);
        int n = step.apply(addr, piece, moved);
        if (n < 0) {
          break;
        }
        segmentOffset += n;
        done += n;
        moved += n;
        if (n < piece) {
          break;
        }
      }
      return moved;
    }
  }

  @FunctionalInterface
  private interface Step {
    /** Moves up to {@code length} bytes at {@code addr}; returns bytes moved, or -1 to stop. */
    int apply(long addr, int length, int soFar) throws IOException;
  }

  private static int unchecked(Cursor c, int length, Step step) {
    try {
      return c.walk(length, step);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final class Reader extends Cursor implements ChainReader {
    Reader() {
      super(0, readableBytes);
    }

    @Override
    String direction() {
      return "readable";
    }

    @Override
    public void read(byte[] dst, int offset, int length) {
      java.util.Objects.checkFromIndexSize(offset, length, dst.length);
      require(length);
      guarded(() -> unchecked(this, length, (addr, n, soFar) -> {
        memory.read(addr, dst, offset + soFar, n);
        return n;
      }));
    }

    @Override
    public void skip(int length) {
      require(length);
      unchecked(this, length, (addr, n, soFar) -> n);
    }

    @Override
    public long transferTo(FileChannel channel, long position, int length) throws IOException {
      require(length);
      return guardedIo(() -> walk(length, (addr, n, soFar) -> {
        ByteBuffer src = memory.slice(addr, n);
        int w = 0;
        while (src.hasRemaining()) {
          int k = channel.write(src, position + soFar + w);
          if (k <= 0) {
            break;
          }
          w += k;
        }
        return w;
      }));
    }
  }

  private final class Writer extends Cursor implements ChainWriter {
    int written;

    Writer() {
      super(readableCount, writableBytes);
    }

    @Override
    String direction() {
      return "writable";
    }

    @Override
    public int written() {
      return written;
    }

    @Override
    public void write(byte[] src, int offset, int length) {
      java.util.Objects.checkFromIndexSize(offset, length, src.length);
      require(length);
      written += guarded(() -> unchecked(this, length, (addr, n, soFar) -> {
        memory.write(addr, src, offset + soFar, n);
        return n;
      }));
    }

    @Override
    public long transferFrom(FileChannel channel, long position, int length) throws IOException {
      require(length);
      int n = guardedIo(() -> walk(length, (addr, piece, soFar) -> {
        ByteBuffer dst = memory.slice(addr, piece);
        int r = 0;
        while (dst.hasRemaining()) {
          int k = channel.read(dst, position + soFar + r);
          if (k < 0) {
            return r == 0 ? -1 : r;
          }
          if (k == 0) {
            break;
          }
          r += k;
        }
        return r;
      }));
      written += n;
      return n;
    }
  }

  private interface IntIo {
    int get() throws IOException;
  }

  /** Guest memory faults here mean the guest remapped RAM under us: report them as guest errors. */
  private static int guarded(java.util.function.IntSupplier op) {
    try {
      return op.getAsInt();
    } catch (GuestMemoryException e) {
      throw new VirtioException(e.getMessage());
    }
  }

  private static int guardedIo(IntIo op) throws IOException {
    try {
      return op.get();
    } catch (GuestMemoryException e) {
      throw new VirtioException(e.getMessage());
    }
  }
}
