package dev.sbx.vmm.virtio.transport.mmio;

import static dev.sbx.vmm.virtio.transport.mmio.VirtioMmioTransport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.hypervisor.InterruptLine;
import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.rng.RngDevice;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives the register file the way Linux's virtio_mmio driver does, then misbehaves. */
class VirtioMmioTransportTest {
  private static final long DESC = 0x1000;
  private static final long AVAIL = 0x2000;
  private static final long USED = 0x3000;
  private static final long BUF = 0x8000;

  private GuestMemory mem;
  private VirtioMmioTransport t;
  private final AtomicInteger edges = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    mem = new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect(1 << 16))));
    InterruptLine line = new InterruptLine() {
      @Override
      public void trigger() {
        edges.incrementAndGet();
      }

      @Override
      public void setLevel(boolean asserted) {}
    };
    t = new VirtioMmioTransport(new RngDevice(), mem, line, null, 0xc0000000L, 5);
  }

  private int r(int off) {
    return (int) t.read(off, 4);
  }

  private void w(int off, int v) {
    t.write(off, 4, Integer.toUnsignedLong(v));
  }

  private long deviceFeatures() {
    w(DEVICE_FEATURES_SEL, 0);
    long lo = Integer.toUnsignedLong(r(DEVICE_FEATURES));
    w(DEVICE_FEATURES_SEL, 1);
    return lo | (Integer.toUnsignedLong(r(DEVICE_FEATURES)) << 32);
  }

  private void writeDriverFeatures(long f) {
    w(DRIVER_FEATURES_SEL, 0);
    w(DRIVER_FEATURES, (int) f);
    w(DRIVER_FEATURES_SEL, 1);
    w(DRIVER_FEATURES, (int) (f >>> 32));
  }

  private void setUpQueue(int size) {
    w(QUEUE_SEL, 0);
    assertEquals(0, r(QUEUE_READY));
    w(QUEUE_NUM, size);
    w(QUEUE_DESC_LOW, (int) DESC);
    w(QUEUE_DESC_HIGH, 0);
    w(QUEUE_DRIVER_LOW, (int) AVAIL);
    w(QUEUE_DRIVER_HIGH, 0);
    w(QUEUE_DEVICE_LOW, (int) USED);
    w(QUEUE_DEVICE_HIGH, 0);
    w(QUEUE_READY, 1);
  }

  /** Linux's probe sequence up to DRIVER_OK. */
  private void handshake() {
    assertEquals(0x74726976, r(MAGIC));
    assertEquals(2, r(VERSION));
    assertEquals(4, r(DEVICE_ID));
    w(STATUS, 0);
    w(STATUS, S_ACKNOWLEDGE);
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER);
    long f = deviceFeatures();
    assertTrue(VirtioFeatures.has(f, VirtioFeatures.VERSION_1));
    writeDriverFeatures(f);
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    assertTrue((r(STATUS) & S_FEATURES_OK) != 0);
    setUpQueue(8);
    assertEquals(1, r(QUEUE_READY));
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  }

  private void offerBuffer(int len) {
    mem.writeLong(DESC, BUF);
    mem.writeInt(DESC + 8, len);
    mem.writeShort(DESC + 12, (short) 2);
    int idx = mem.readShort(AVAIL + 2);
    mem.writeShort(AVAIL + 4 + 2L * (idx % 8), (short) 0);
    mem.writeShort(AVAIL + 2, (short) (idx + 1));
  }

  @Test
  void linuxStyleHandshakeThenRequest() {
    handshake();
    offerBuffer(64);
    w(QUEUE_NOTIFY, 0);
    assertEquals(1, mem.readShort(USED + 2));
    assertEquals(64, mem.readInt(USED + 8));
    assertNotEquals(0L, mem.readLong(BUF) | mem.readLong(BUF + 8), "random bytes arrived");
    assertEquals(1, edges.get());
    assertEquals(1, r(INTERRUPT_STATUS));
    w(INTERRUPT_ACK, 1);
    assertEquals(0, r(INTERRUPT_STATUS));
  }

  @Test
  void featuresOkIsRefusedForUnofferedBitsOrMissingVersion1() {
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER);
    writeDriverFeatures(deviceFeatures() | (1L << 50));
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    assertEquals(0, r(STATUS) & S_FEATURES_OK);

    w(STATUS, 0);
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER);
    writeDriverFeatures(deviceFeatures() & ~VirtioFeatures.bit(VirtioFeatures.VERSION_1));
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    assertEquals(0, r(STATUS) & S_FEATURES_OK);
  }

  @Test
  void notificationsBeforeDriverOkAreIgnored() {
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER);
    writeDriverFeatures(deviceFeatures());
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    setUpQueue(8);
    offerBuffer(8);
    w(QUEUE_NOTIFY, 0);
    assertEquals(0, mem.readShort(USED + 2));
  }

  @Test
  void queueRegistersAreFrozenWhileReady() {
    handshake();
    w(QUEUE_SEL, 0);
    w(QUEUE_DESC_LOW, 0x5000);
    w(QUEUE_NUM, 2);
    offerBuffer(16);
    w(QUEUE_NOTIFY, 0);
    assertEquals(16, mem.readInt(USED + 8), "the original layout still applies");
  }

  @Test
  void badQueueLayoutSetsNeedsReset() {
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER);
    writeDriverFeatures(deviceFeatures());
    w(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    w(QUEUE_SEL, 0);
    w(QUEUE_NUM, 8);
    w(QUEUE_DESC_LOW, 0xfff0);
    w(QUEUE_READY, 1);
    assertEquals(0, r(QUEUE_READY));
    assertTrue((r(STATUS) & S_NEEDS_RESET) != 0);
    w(STATUS, 0);
    assertEquals(0, r(STATUS), "reset clears DEVICE_NEEDS_RESET");
  }

  @Test
  void brokenRingRaisesConfigInterruptWithNeedsReset() {
    handshake();
    mem.writeShort(AVAIL + 2, (short) 100);
    w(QUEUE_NOTIFY, 0);
    assertTrue((r(STATUS) & S_NEEDS_RESET) != 0);
    assertEquals(2, r(INTERRUPT_STATUS) & 2);
    assertEquals(0, mem.readShort(USED + 2));
    w(QUEUE_NOTIFY, 0); // ignored from now on
    // A reset and a fresh handshake bring the device back.
    w(STATUS, 0);
    mem.writeShort(AVAIL + 2, (short) 0);
    handshake();
    offerBuffer(4);
    w(QUEUE_NOTIFY, 0);
    assertEquals(1, mem.readShort(USED + 2));
  }

  @Test
  void clearingStatusBitsIsABrokenDriver() {
    handshake();
    w(STATUS, S_ACKNOWLEDGE);
    assertTrue((r(STATUS) & S_NEEDS_RESET) != 0);
  }

  @Test
  void oddSizedAndOutOfRangeAccessesAreHarmless() {
    assertEquals(0, t.read(MAGIC, 2));
    t.write(STATUS, 1, 0xff);
    assertEquals(0, r(STATUS));
    w(QUEUE_SEL, 7);
    assertEquals(0, r(QUEUE_NUM_MAX));
    w(QUEUE_NOTIFY, 12345);
    assertEquals(0, t.read(CONFIG + 0x100, 4));
    assertEquals(-1, r(SHM_LEN_LOW));
    assertFalse((r(STATUS) & S_NEEDS_RESET) != 0);
  }

  @Test
  void configGenerationIsReadable() {
    assertEquals(0, r(CONFIG_GENERATION));
  }
}
