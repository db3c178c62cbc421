package dev.sbx.vmm.virtio.fs;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongFunction;

/** Open handles, bounded; IDs never reused so a forged or released {@code fh} finds nothing. */
final class HandleTable {
  private final Map<Long, Handle> handles = new HashMap<>();
  private final int max;
  private long nextId = 1;

  HandleTable(int max) {
    this.max = max;
  }

  int size() {
    return handles.size();
  }

  /** Fails with ENFILE before anything is opened when the table is full. */
  void reserve() throws FuseException {
    if (handles.size() >= max) {
      throw new FuseException(Errno.ENFILE, "handle table full");
    }
  }

  <H extends Handle> H add(LongFunction<H> make) {
    H h = make.apply(nextId++);
    handles.put(h.id, h);
    return h;
  }

  <H extends Handle> H get(long id, Class<H> kind) throws FuseException {
    Handle h = handles.get(id);
    if (!kind.isInstance(h)) {
      throw new FuseException(Errno.EBADF, "unknown handle " + Long.toUnsignedString(id));
    }
    return kind.cast(h);
  }

  /** Closes and forgets {@code id}; unknown IDs are ignored (RELEASE has no useful error). */
  void release(long id, Class<? extends Handle> kind) {
    Handle h = handles.get(id);
    if (kind.isInstance(h)) {
      handles.remove(id);
      h.close();
    }
  }

  void clear() {
    handles.values().forEach(Handle::close);
    handles.clear();
  }
}
