package dev.sbx.vmm.virtio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Fuzzes split-virtqueue parsing: the fuzzer writes the descriptor table, avail ring and indirect
 * tables of a 64 KiB guest, and the device side must never throw anything but {@link
 * VirtioException} from a chain's streams, never loop without bound, and never touch memory
 * outside the guest. Each build replays the inputs under
 * {@code src/test/resources/dev/sbx/vmm/virtio/VirtqueueFuzzTestInputs}; a real campaign runs
 * with {@code JAZZER_FUZZ=1} (see docs/devices.md).
 */
class VirtqueueFuzzTest {
  static final int RAM = 1 << 16;
  /** One guest RAM reused by every run: direct buffers are freed lazily, a fresh one per run bloats RSS. */
  private static final ThreadLocal<GuestMemory> GUEST = ThreadLocal.withInitial(
      () -> new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect(RAM)))));

  @FuzzTest(maxDuration = "30s")
  void popAndConsume(FuzzedDataProvider data) {
    exercise(data.consumeInt(0, 7), data.consumeBoolean(), data.consumeInt(0, 0xffff), data.consumeRemainingAsBytes());
  }

  /** Shared with {@link VirtqueueRandomTest}: one hostile guest, one device pass. */
  static void exercise(int sizeLog, boolean features, int nextAvail, byte[] guestBytes) {
    GuestMemory mem = GUEST.get();
    mem.zero(0, RAM);
    mem.write(0, guestBytes, 0, Math.min(guestBytes.length, RAM));
    int size = 1 << sizeLog;
    Virtqueue q = new Virtqueue(0, 128, 1 << 16);
    q.setSize(size);
    q.setDescAddr(0x0);
    q.setAvailAddr(0x800);
    q.setUsedAddr(0xc00);
    q.setNextAvail(nextAvail);
    long f = features ? VirtioFeatures.RING_FEATURES : VirtioFeatures.bit(VirtioFeatures.VERSION_1);
    if (!q.start(mem, f, false)) {
      return;
    }
    // Bounded: at most one ring's worth of heads per pass, as a device would take.
    for (int i = 0; i < size + 1; i++) {
      DescriptorChain c = q.pop();
      if (c == null) {
        break;
      }
      try {
        c.reader().readBytes(Math.min(c.readableBytes(), 64));
        c.writer().write(new byte[Math.min(c.writableBytes(), 64)]);
        c.reader().skip(c.reader().remaining());
        c.reader().readBytes(1);
        throw new AssertionError("reading past the chain must fail");
      } catch (VirtioException expected) {
        // The only exception a hostile chain may cause.
      }
      q.addUsed(c);
      q.needsInterrupt();
    }
    q.enableNotification();
  }
}
