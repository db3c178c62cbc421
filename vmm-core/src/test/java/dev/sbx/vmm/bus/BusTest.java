package dev.sbx.vmm.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BusTest {
  static final class Recorder implements BusDevice {
    final List<String> log = new ArrayList<>();

    @Override
    public long read(long offset, int size) {
      log.add("r " + offset + " " + size);
      return 0x1000 + offset;
    }

    @Override
    public void write(long offset, int size, long value) {
      log.add("w " + offset + " " + size + " " + Long.toHexString(value));
    }
  }

  @Test
  void dispatchesByRangeWithDeviceRelativeOffsets() {
    Bus bus = new Bus("test");
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    bus.insert(b, 0x100, 0x10);
    bus.insert(a, 0x10, 8);
    assertEquals(0x1002, bus.read(0x12, 1));
    bus.write(0x10e, 2, 0xbeef);
    assertEquals(List.of("r 2 1"), a.log);
    assertEquals(List.of("w 14 2 beef"), b.log);
  }

  @Test
  void unclaimedAccessesReadAsOnesAndAreCounted() {
    Bus bus = new Bus("test");
    bus.insert(new Recorder(), 0x10, 8);
    assertEquals(0xff, bus.read(0x9, 1));
    assertEquals(0xffffffffL, bus.read(0x200, 4));
    assertEquals(-1L, bus.read(0x200, 8));
    // An access that starts inside a device but runs past its end reaches no device.
    assertEquals(0xffff, bus.read(0x17, 2));
    bus.write(0x300, 4, 1);
    assertEquals(5, bus.unclaimedAccesses());
  }

  @Test
  void overlapsAreRefused() {
    Bus bus = new Bus("test");
    bus.insert(new Recorder(), 0x10, 8);
    assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x17, 2));
    assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x0, 0x11));
    assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x100, 0));
    bus.insert(new Recorder(), 0x18, 1);
  }
}
