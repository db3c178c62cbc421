package dev.sbx.vmm.virtio.transport.vhostuser;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import dev.sbx.vmm.os.linux.SharedMapping;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The frontend's memory table: each region's fd mapped shared, as guest memory, plus the
 * frontend-virtual ("userspace") addresses ring addresses arrive in.
 */
final class VhostUserMemory implements AutoCloseable {
  record Region(long guestAddress, long size, long userAddress, SharedMapping mapping) {}

  private final List<Region> regions;
  private final GuestMemory memory;

  private VhostUserMemory(List<Region> regions, GuestMemory memory) {
    this.regions = regions;
    this.memory = memory;
  }

  /**
   * Maps the regions. {@code table} holds {guest_phys_addr, memory_size, userspace_addr,
   * mmap_offset} per region; {@code fds} one descriptor each (closed here whatever happens).
   */
  static VhostUserMemory map(long[][] table, List<Integer> fds) throws IOException {
    List<Region> regions = new ArrayList<>();
    List<GuestRegion> guest = new ArrayList<>();
    try {
      for (int i = 0; i < table.length; i++) {
        long gpa = table[i][0];
        long size = table[i][1];
        long uva = table[i][2];
        long offset = table[i][3];
        if (size <= 0 || offset < 0 || offset + size < offset || gpa + size < gpa || uva + size < uva) {
          throw new IOException("memory region " + i + " has a bad size or offset");
        }
        SharedMapping m = SharedMapping.map(fds.get(i), offset + size);
        regions.add(new Region(gpa, size, uva, m));
        guest.add(m.region(gpa, offset, size));
      }
      return new VhostUserMemory(List.copyOf(regions), new GuestMemory(guest));
    } catch (IOException | RuntimeException e) {
      for (Region r : regions) {
        r.mapping().close();
      }
      throw e instanceof IOException io ? io : new IOException("bad memory table: " + e.getMessage());
    } finally {
      for (int fd : fds) {
        dev.sbx.vmm.os.linux.FileDescriptors.close(fd);
      }
    }
  }

  GuestMemory guestMemory() {
    return memory;
  }

  /** Frontend virtual address to guest-physical, or -1 if no region holds {@code uva}. */
  long toGuest(long uva) {
    for (Region r : regions) {
      if (uva >= r.userAddress() && uva - r.userAddress() < r.size()) {
        return r.guestAddress() + (uva - r.userAddress());
      }
    }
    return -1;
  }

  @Override
  public void close() {
    for (Region r : regions) {
      r.mapping().close();
    }
  }
}
