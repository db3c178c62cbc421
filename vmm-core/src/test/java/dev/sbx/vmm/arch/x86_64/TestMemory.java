package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import java.nio.ByteBuffer;
import java.util.List;

/** Small guest memories for boot-structure tests. */
final class TestMemory {
  private TestMemory() {}

  static GuestMemory of(long size) {
    return new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect((int) size))));
  }
}
