package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.sbx.vmm.memory.GuestRegion;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A MAP_SHARED mapping of a file descriptor (a vhost-user frontend's memfd), so the backend sees
 * the guest's RAM. Unmapping while a buffer over it is still used crashes the process: owners
 * unmap only after every user has stopped.
 */
public final class SharedMapping implements AutoCloseable {
  private final Pointer base;
  private final long size;
  private volatile boolean closed;

  private SharedMapping(Pointer base, long size) {
    this.base = base;
    this.size = size;
  }

  /** Maps {@code size} bytes of {@code fd} from offset 0, read-write and shared. */
  public static SharedMapping map(int fd, long size) throws IOException {
    if (size <= 0) {
      throw new IOException("cannot map " + size + " bytes");
    }
    try {
      // Touching a mapping past the end of its file faults: refuse a table that claims more.
      long fileSize = LinuxLibC.lseek(fd, 0, LinuxLibC.SEEK_END);
      if (fileSize >= 0 && fileSize < size) {
        throw new IOException("memory region of " + size + " bytes exceeds its file of " + fileSize + " bytes");
      }
      Pointer p = LinuxLibC.mmap(Pointer.NULL, size, LinuxLibC.PROT_READ | LinuxLibC.PROT_WRITE,
          LinuxLibC.MAP_SHARED | LinuxLibC.MAP_NORESERVE, fd, 0);
      if (Pointer.nativeValue(p) == -1L) {
        throw new IOException("mmap failed");
      }
      return new SharedMapping(p, size);
    } catch (LastErrorException e) {
      throw new IOException("mmap of " + size + " bytes failed: " + LinuxLibC.describe(e));
    }
  }

  public long size() {
    return size;
  }

  /** A guest region at {@code guestAddress} over [offset, offset+length) of this mapping. */
  public GuestRegion region(long guestAddress, long offset, long length) {
    if (offset < 0 || length <= 0 || offset > size || length > size - offset) {
      throw new IllegalArgumentException("range outside the mapping");
    }
    int n = (int) ((length + GuestRegion.CHUNK_SIZE - 1) / GuestRegion.CHUNK_SIZE);
    ByteBuffer[] chunks = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long start = (long) i * GuestRegion.CHUNK_SIZE;
      chunks[i] = base.getByteBuffer(offset + start, Math.min(GuestRegion.CHUNK_SIZE, length - start));
    }
    return new GuestRegion(guestAddress, chunks);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        LinuxLibC.munmap(base, size);
      } catch (LastErrorException ignored) {
        // The range is ours; munmap fails only on bad arguments.
      }
    }
  }
}
