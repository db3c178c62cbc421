package dev.sbx.vmm.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtqueueTest {
  private static final int N = Virtqueue.F_NEXT;
  private static final int W = Virtqueue.F_WRITE;
  private static final int I = Virtqueue.F_INDIRECT;

  private static void assertBroken(TestRing r, String fragment) {
    assertNull(r.queue.pop());
    assertTrue(r.queue.isBroken(), "queue should be broken");
    assertTrue(r.queue.brokenReason().contains(fragment), r.queue.brokenReason());
    assertNull(r.queue.pop(), "a broken queue stays stopped");
  }

  @Test
  void readsAndWritesAChainAsTwoStreams() {
    TestRing r = new TestRing(8);
    r.mem.write(TestRing.DATA, "hello ".getBytes(StandardCharsets.US_ASCII));
    r.mem.write(TestRing.DATA + 0x100, "world".getBytes(StandardCharsets.US_ASCII));
    r.desc(0, TestRing.DATA, 6, N, 3);
    r.desc(3, TestRing.DATA + 0x100, 5, N, 5);
    r.desc(5, TestRing.DATA + 0x200, 4, N | W, 6);
    r.desc(6, TestRing.DATA + 0x300, 4, W, 0);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    assertNotNull(c);
    assertEquals(0, c.head());
    assertEquals(11, c.readableBytes());
    assertEquals(8, c.writableBytes());
    assertEquals("hello world", new String(c.reader().readBytes(11), StandardCharsets.US_ASCII));
    assertThrows(VirtioException.class, () -> c.reader().readBytes(1));
    c.writer().write(new byte[] {1, 2, 3, 4, 5, 6});
    assertThrows(VirtioException.class, () -> c.writer().write(new byte[3]));
    assertEquals(6, c.bytesWritten());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, r.mem.read(TestRing.DATA + 0x200, 4));
    assertArrayEquals(new byte[] {5, 6, 0, 0}, r.mem.read(TestRing.DATA + 0x300, 4));
    r.queue.addUsed(c);
    assertEquals(1, r.usedIdx());
    assertEquals(0, r.usedId(0));
    assertEquals(6, r.usedLen(0), "used.len is the bytes actually written");
    assertNull(r.queue.pop());
  }

  @Test
  void indirectTableIsWalked() {
    TestRing r = new TestRing(4);
    long table = TestRing.DATA + 0x1000;
    r.descAt(table, 0, TestRing.DATA, 3, N, 1);
    r.descAt(table, 1, TestRing.DATA + 0x10, 2, W, 0);
    r.desc(2, table, 32, I, 0);
    r.mem.write(TestRing.DATA, new byte[] {7, 8, 9});
    r.offer(2);
    DescriptorChain c = r.queue.pop();
    assertNotNull(c, r.queue.brokenReason());
    assertEquals(2, c.head());
    assertArrayEquals(new byte[] {7, 8, 9}, c.reader().readBytes(3));
    assertEquals(2, c.writer().remaining());
  }

  @Test
  void directDescriptorsMayPrecedeAnIndirectOne() {
    TestRing r = new TestRing(4);
    long table = TestRing.DATA + 0x1000;
    r.descAt(table, 0, TestRing.DATA + 0x10, 2, W, 0);
    r.desc(0, TestRing.DATA, 3, N, 1);
    r.desc(1, table, 16, I, 0);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    assertNotNull(c, r.queue.brokenReason());
    assertEquals(3, c.readableBytes());
    assertEquals(2, c.writableBytes());
  }

  @Test
  void descriptorLoopBreaksTheQueue() {
    TestRing r = new TestRing(8);
    r.desc(0, TestRing.DATA, 1, N, 1);
    r.desc(1, TestRing.DATA, 1, N, 0);
    r.offer(0);
    assertBroken(r, "loop");
  }

  @Test
  void selfLoopBreaksTheQueue() {
    TestRing r = new TestRing(2);
    r.desc(1, TestRing.DATA, 1, N, 1);
    r.offer(1);
    assertBroken(r, "loop");
  }

  @Test
  void chainLongerThanTheQueueBreaksIt() {
    // 4 descriptors chained in a queue of 4 is fine; the same walk revisiting one is not.
    TestRing ok = new TestRing(4);
    for (int i = 0; i < 3; i++) {
      ok.desc(i, TestRing.DATA, 1, N, i + 1);
    }
    ok.desc(3, TestRing.DATA, 1, 0, 0);
    ok.offer(0);
    assertEquals(4, ok.queue.pop().readableBytes());

    TestRing bad = new TestRing(4);
    for (int i = 0; i < 4; i++) {
      bad.desc(i, TestRing.DATA, 1, N, (i + 1) % 4);
    }
    bad.offer(0);
    assertBroken(bad, "loop");
  }

  @Test
  void loopInsideAnIndirectTableBreaksTheQueue() {
    TestRing r = new TestRing(4);
    long table = TestRing.DATA + 0x1000;
    r.descAt(table, 0, TestRing.DATA, 1, N, 1);
    r.descAt(table, 1, TestRing.DATA, 1, N, 0);
    r.desc(0, table, 32, I, 0);
    r.offer(0);
    assertBroken(r, "loop");
  }

  @Test
  void headOutOfRangeBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.offer(4);
    assertBroken(r, "head index 4");
  }

  @Test
  void nextOutOfRangeBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 1, N, 9);
    r.offer(0);
    assertBroken(r, "next index 9");
  }

  @Test
  void nextOutOfRangeInsideIndirectTableBreaksTheQueue() {
    TestRing r = new TestRing(8);
    long table = TestRing.DATA + 0x1000;
    r.descAt(table, 0, TestRing.DATA, 1, N, 2);
    r.descAt(table, 1, TestRing.DATA, 1, 0, 0);
    r.desc(0, table, 32, I, 0);
    r.offer(0);
    assertBroken(r, "next index 2");
  }

  @Test
  void availIndexJumpingPastQueueSizeBreaksTheQueue() {
    TestRing r = new TestRing(8);
    r.desc(0, TestRing.DATA, 1, 0, 0);
    r.setAvailIdx(9);
    assertBroken(r, "more than the queue size");
  }

  @Test
  void availIndexWrapsAround() {
    TestRing r = new TestRing(4);
    r.queue.setNextAvail(0xfffe);
    r.desc(0, TestRing.DATA, 1, 0, 0);
    r.mem.writeShort(TestRing.AVAIL + 4 + 2 * 2, (short) 0);
    r.mem.writeShort(TestRing.AVAIL + 4 + 2 * 3, (short) 0);
    r.setAvailIdx(0xffff);
    r.setAvailIdx(0x0000);
    assertNotNull(r.queue.pop());
    assertNotNull(r.queue.pop());
    assertNull(r.queue.pop());
    assertFalse(r.queue.isBroken());
  }

  @Test
  void bufferPastEndOfRamBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.RAM - 4, 8, 0, 0);
    r.offer(0);
    assertBroken(r, "outside guest RAM");
  }

  @Test
  void bufferAddressWrappingBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, -16L, 0x20, 0, 0);
    r.offer(0);
    assertBroken(r, "outside guest RAM");
  }

  @Test
  void hugeLengthBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, -1, 0, 0);
    r.offer(0);
    assertBroken(r, "outside guest RAM");
  }

  @Test
  void chainAboveTheDeviceCapBreaksTheQueue() {
    TestRing r = new TestRing(4, VirtioFeatures.RING_FEATURES, 4096);
    r.desc(0, TestRing.DATA, 4096, N, 1);
    r.desc(1, TestRing.DATA, 1, W, 0);
    r.offer(0);
    assertBroken(r, "more than 4096 bytes");
  }

  @Test
  void zeroLengthDescriptorsAreEmptyAndTouchNothing() {
    TestRing r = new TestRing(4);
    r.desc(0, -1L, 0, N, 1);
    r.desc(1, TestRing.DATA, 2, N | W, 2);
    r.desc(2, 0xdead_0000_0000L, 0, W, 0);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    assertNotNull(c, r.queue.brokenReason());
    assertEquals(0, c.readableBytes());
    assertEquals(2, c.writableBytes());
    assertThrows(VirtioException.class, () -> c.reader().readBytes(1));
  }

  @Test
  void readableAfterWritableBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 4, N | W, 1);
    r.desc(1, TestRing.DATA, 4, 0, 0);
    r.offer(0);
    assertBroken(r, "readable descriptor after a writable");
  }

  @Test
  void writableOnlyChainHasNothingToRead() {
    // A device that needs a request header finds none: it fails the request, the queue survives.
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 16, W, 0);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    assertEquals(0, c.reader().remaining());
    assertThrows(VirtioException.class, () -> c.reader().readInt());
    assertFalse(r.queue.isBroken());
  }

  @Test
  void readOnlyChainRefusesWrites() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 16, 0, 0);
    r.mem.write(TestRing.DATA, new byte[16]);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    assertThrows(VirtioException.class, () -> c.writer().write(new byte[] {1}));
    assertArrayEquals(new byte[16], r.mem.read(TestRing.DATA, 16), "a readable buffer is never written");
  }

  @Test
  void nestedIndirectTableBreaksTheQueue() {
    TestRing r = new TestRing(4);
    long outer = TestRing.DATA + 0x1000;
    long inner = TestRing.DATA + 0x2000;
    r.descAt(inner, 0, TestRing.DATA, 1, 0, 0);
    r.descAt(outer, 0, inner, 16, I, 0);
    r.desc(0, outer, 16, I, 0);
    r.offer(0);
    assertBroken(r, "inside an indirect table");
  }

  @Test
  void indirectWithNextBreaksTheQueue() {
    TestRing r = new TestRing(4);
    long table = TestRing.DATA + 0x1000;
    r.descAt(table, 0, TestRing.DATA, 1, 0, 0);
    r.desc(0, table, 16, I | N, 1);
    r.desc(1, TestRing.DATA, 1, 0, 0);
    r.offer(0);
    assertBroken(r, "NEXT");
  }

  @Test
  void indirectLengthNotMultipleOf16BreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA + 0x1000, 24, I, 0);
    r.offer(0);
    assertBroken(r, "multiple of 16");
  }

  @Test
  void indirectZeroLengthBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA + 0x1000, 0, I, 0);
    r.offer(0);
    assertBroken(r, "multiple of 16");
  }

  @Test
  void indirectTablePastRamBreaksTheQueue() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.RAM - 16, 32, I, 0);
    r.offer(0);
    assertBroken(r, "outside guest RAM");
  }

  @Test
  void indirectWithoutNegotiationBreaksTheQueue() {
    TestRing r = new TestRing(4, VirtioFeatures.bit(VirtioFeatures.VERSION_1), 1 << 20);
    r.descAt(TestRing.DATA + 0x1000, 0, TestRing.DATA, 1, 0, 0);
    r.desc(0, TestRing.DATA + 0x1000, 16, I, 0);
    r.offer(0);
    assertBroken(r, "not negotiated");
  }

  @Test
  void descriptorsAreCopiedOnce() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 4, 0, 0);
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    // The guest rewrites the descriptor to point outside RAM after the device walked it.
    r.desc(0, TestRing.RAM + 0x1000, 1 << 30, 0, 0);
    assertEquals(4, c.reader().readBytes(4).length);
  }

  @Test
  void badLayoutsAreRefusedAtStart() {
    GuestMemory mem = new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect(1 << 16))));
    List<String> reasons = new ArrayList<>();
    long[][] layouts = {
        {3, 0x1000, 0x2000, 0x3000}, // size not a power of two
        {512, 0x1000, 0x2000, 0x3000}, // above max
        {0, 0x1000, 0x2000, 0x3000},
        {8, 0x1008, 0x2000, 0x3000}, // desc misaligned
        {8, 0x1000, 0x2001, 0x3000}, // avail misaligned
        {8, 0x1000, 0x2000, 0x3002}, // used misaligned
        {8, 0xfff0, 0x2000, 0x3000}, // desc table past RAM
        {8, 0x1000, 0x2000, 0xfff0}, // used ring past RAM
        {8, -16L, 0x2000, 0x3000}, // wrapping
    };
    for (long[] l : layouts) {
      Virtqueue q = new Virtqueue(0, 256, 1 << 20);
      q.setBrokenListener(reasons::add);
      q.setSize((int) l[0]);
      q.setDescAddr(l[1]);
      q.setAvailAddr(l[2]);
      q.setUsedAddr(l[3]);
      assertFalse(q.start(mem, VirtioFeatures.RING_FEATURES, false), () -> java.util.Arrays.toString(l));
      assertTrue(q.isBroken());
      assertNull(q.pop());
      q.reset();
      assertFalse(q.isBroken());
    }
    assertEquals(layouts.length, reasons.size());
  }

  @Test
  void eventIdxSuppressesInterruptsUntilUsedEventIsPassed() {
    TestRing r = new TestRing(8);
    for (int i = 0; i < 3; i++) {
      r.desc(i, TestRing.DATA, 1, 0, 0);
      r.offer(i);
    }
    r.setUsedEvent(1); // driver wants an interrupt once used.idx passes 1
    r.queue.addUsed(r.queue.pop());
    assertFalse(r.queue.needsInterrupt(), "used.idx 1 has not passed used_event 1");
    r.queue.addUsed(r.queue.pop());
    assertTrue(r.queue.needsInterrupt());
    r.queue.addUsed(r.queue.pop());
    assertFalse(r.queue.needsInterrupt());
    assertFalse(r.queue.needsInterrupt(), "nothing new since the last check");
    assertFalse(r.queue.enableNotification());
    assertEquals(3, r.availEvent());
  }

  @Test
  void noInterruptFlagIsHonouredWithoutEventIdx() {
    TestRing r = new TestRing(4, VirtioFeatures.bit(VirtioFeatures.VERSION_1), 1 << 20);
    r.desc(0, TestRing.DATA, 1, 0, 0);
    r.offer(0);
    r.offer(0);
    r.queue.addUsed(r.queue.pop());
    assertTrue(r.queue.needsInterrupt());
    r.mem.writeShort(TestRing.AVAIL, (short) 1);
    r.queue.addUsed(r.queue.pop());
    assertFalse(r.queue.needsInterrupt());
  }

  @Test
  void enableNotificationReportsBuffersThatRacedIn() {
    TestRing r = new TestRing(4);
    r.desc(0, TestRing.DATA, 1, 0, 0);
    assertFalse(r.queue.enableNotification());
    r.offer(0);
    assertTrue(r.queue.enableNotification());
  }

  @Test
  void transfersBetweenFilesAndChainsSpanSegments(@TempDir Path dir) throws IOException {
    TestRing r = new TestRing(4);
    Path f = dir.resolve("f");
    Files.write(f, "0123456789".getBytes(StandardCharsets.US_ASCII));
    r.desc(0, TestRing.DATA, 3, N, 1);
    r.desc(1, TestRing.DATA + 0x40, 7, N, 2);
    r.desc(2, TestRing.DATA + 0x80, 4, N | W, 3);
    r.desc(3, TestRing.DATA + 0xc0, 20, W, 0);
    r.mem.write(TestRing.DATA, "abc".getBytes(StandardCharsets.US_ASCII));
    r.mem.write(TestRing.DATA + 0x40, "defghij".getBytes(StandardCharsets.US_ASCII));
    r.offer(0);
    DescriptorChain c = r.queue.pop();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      assertEquals(10, c.writer().transferFrom(ch, 0, 10));
      assertEquals(10, c.writer().written());
      assertEquals(0, c.writer().transferFrom(ch, 10, 5), "at end of file nothing is read");
      c.reader().skip(1);
      assertEquals(9, c.reader().transferTo(ch, 10, 9));
      assertThrows(VirtioException.class, () -> c.reader().transferTo(ch, 0, 1));
    }
    assertEquals("0123", new String(r.mem.read(TestRing.DATA + 0x80, 4), StandardCharsets.US_ASCII));
    assertEquals("456789", new String(r.mem.read(TestRing.DATA + 0xc0, 6), StandardCharsets.US_ASCII));
    assertEquals("0123456789bcdefghij", Files.readString(f));
  }
}
