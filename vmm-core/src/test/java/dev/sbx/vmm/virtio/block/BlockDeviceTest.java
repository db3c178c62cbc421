package dev.sbx.vmm.virtio.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.virtio.TestRing;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockDeviceTest {
  private static final long HDR = TestRing.DATA;
  private static final long PAYLOAD = TestRing.DATA + 0x1000;
  private static final long STATUS = TestRing.DATA + 0x80000;

  @TempDir Path dir;
  private TestRing ring;
  private BlockDevice dev;
  private final AtomicInteger interrupts = new AtomicInteger();


  private Path image(long size) throws IOException {
    Path p = dir.resolve("disk.img");
    try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(0);
      if (size > 0) {
        ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
    }
    return p;
  }

  private void start(Path img, boolean ro) throws IOException {
    dev = BlockDevice.open(img, ro);
    ring = new TestRing(16);
    dev.activate(VirtioFeatures.RING_FEATURES, List.of(ring.queue), new VirtioInterrupt() {
      @Override
      public void signalUsedBuffer(int queue) {
        interrupts.incrementAndGet();
      }

      @Override
      public void signalConfigChange() {}
    });
  }

  @AfterEach
  void close() {
    if (dev != null) {
      dev.close();
    }
  }

  private record Result(int status, byte[] in, int usedLen) {}

  /** Sends one request: header, optional device-readable payload, optional device-writable buffer, status. */
  private Result request(int type, long sector, byte[] out, int inLen) {
    ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(type).putInt(0).putLong(sector);
    ring.mem.write(HDR, h.array());
    ring.mem.writeByte(STATUS, (byte) 0x7f);
    int base = 0;
    int d = base;
    ring.desc(d, HDR, 16, TestRing.NEXT, d + 1);
    d++;
    if (out != null) {
      ring.mem.write(PAYLOAD, out);
      ring.desc(d, PAYLOAD, out.length, TestRing.NEXT, d + 1);
      d++;
    }
    if (inLen > 0) {
      ring.desc(d, PAYLOAD, inLen, TestRing.NEXT | TestRing.WRITE, d + 1);
      d++;
    }
    ring.desc(d, STATUS, 1, TestRing.WRITE, 0);

    int used = ring.usedIdx();
    ring.offer(base);
    dev.queueNotified(0);
    assertEquals(used + 1, ring.usedIdx(), () -> "request completed; queue broken: " + ring.queue.brokenReason());
    return new Result(ring.mem.readByte(STATUS), inLen > 0 ? ring.mem.read(PAYLOAD, inLen) : new byte[0],
        ring.usedLen(used));
  }

  @Test
  void writeThenReadRoundTripsThroughTheImage() throws IOException {
    Path img = image(1 << 20);
    start(img, false);
    byte[] data = new byte[4096];
    new Random(1).nextBytes(data);
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_OUT, 8, data, 0).status());
    Result r = request(BlockDevice.T_IN, 8, null, 4096);
    assertEquals(BlockDevice.S_OK, r.status());
    assertArrayEquals(data, r.in());
    assertEquals(4097, r.usedLen(), "used.len counts data and status");
    byte[] onDisk = new byte[4096];
    System.arraycopy(Files.readAllBytes(img), 8 * 512, onDisk, 0, 4096);
    assertArrayEquals(data, onDisk);
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_FLUSH, 0, null, 0).status());
    assertTrue(interrupts.get() > 0);
  }

  @Test
  void lastSectorIsReachableAndOnePastIsNot() throws IOException {
    start(image(64 * 512), false);
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_IN, 63, null, 512).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_IN, 63, null, 1024).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_IN, 64, null, 512).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_OUT, 64, new byte[512], 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_IN, Long.MAX_VALUE / 256, null, 512).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_IN, -1L, null, 512).status());
    assertEquals(64 * 512, Files.size(dir.resolve("disk.img")), "the image never grows");
  }

  @Test
  void partialSectorsAreRefused() throws IOException {
    start(image(1 << 16), false);
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_IN, 0, null, 100).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_OUT, 0, new byte[700], 0).status());
  }

  @Test
  void getIdReturnsTheSerial() throws IOException {
    start(image(1 << 16), false);
    Result r = request(BlockDevice.T_GET_ID, 0, null, 20);
    assertEquals(BlockDevice.S_OK, r.status());
    assertEquals("disk.img", new String(r.in(), StandardCharsets.UTF_8).replace("\0", ""));
  }

  @Test
  void unknownRequestIsUnsupported() throws IOException {
    start(image(1 << 16), false);
    assertEquals(BlockDevice.S_UNSUPP, request(99, 0, null, 0).status());
  }

  @Test
  void readOnlyImageRefusesWritesAndDiscards() throws IOException {
    Path img = image(1 << 16);
    start(img, true);
    assertTrue(VirtioFeatures.has(dev.features(), BlockDevice.F_RO));
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_OUT, 0, new byte[512], 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_DISCARD, 0, segment(0, 8, 0), 0).status());
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_IN, 0, null, 512).status());
  }

  private static byte[] segment(long sector, int count, int flags) {
    return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).putInt(count).putInt(flags).array();
  }

  private static long allocatedBlocks(Path p) throws IOException, InterruptedException {
    Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertEquals(0, pr.waitFor());
    return Long.parseLong(out);
  }

  @Test
  void discardAndWriteZeroesPunchHoles() throws Exception {
    Path img = image(1 << 20);
    start(img, false);
    byte[] ones = new byte[64 * 1024];
    java.util.Arrays.fill(ones, (byte) 1);
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_OUT, 0, ones, 0).status());
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_OUT, 512, ones, 0).status());
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_FLUSH, 0, null, 0).status());
    long before = allocatedBlocks(img);
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_DISCARD, 0, segment(0, 128, 0), 0).status());
    assertEquals(BlockDevice.S_OK, request(BlockDevice.T_WRITE_ZEROES, 0, segment(512, 128, 1), 0).status());
    assertTrue(allocatedBlocks(img) < before, "holes were punched");
    assertArrayEquals(new byte[64 * 1024], request(BlockDevice.T_IN, 512, null, 64 * 1024).in());
    assertArrayEquals(new byte[64 * 1024], request(BlockDevice.T_IN, 0, null, 64 * 1024).in());
    assertEquals(1 << 20, Files.size(img));
  }

  @Test
  void hostileDiscardsAreRefused() throws IOException {
    start(image(1 << 20), false);
    assertEquals(BlockDevice.S_UNSUPP, request(BlockDevice.T_DISCARD, 0, segment(0, 8, 1), 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_DISCARD, 0, segment(2040, 16, 0), 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_DISCARD, 0, segment(-8, 16, 0), 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_DISCARD, 0, new byte[15], 0).status());
    assertEquals(BlockDevice.S_IOERR, request(BlockDevice.T_WRITE_ZEROES, 0, new byte[16 * 33], 0).status());
  }

  @Test
  void shortHeaderGetsIoError() throws IOException {
    start(image(1 << 16), false);
    ring.desc(0, HDR, 8, TestRing.NEXT, 1);
    ring.desc(1, STATUS, 1, TestRing.WRITE, 0);
    ring.offer(0);
    dev.queueNotified(0);
    assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(STATUS));
  }

  @Test
  void requestWithoutStatusByteCompletesEmpty() throws IOException {
    start(image(1 << 16), false);
    ring.desc(0, HDR, 16, 0, 0);
    ring.offer(0);
    dev.queueNotified(0);
    assertEquals(1, ring.usedIdx());
    assertEquals(0, ring.usedLen(0));
    assertTrue(!ring.queue.isBroken());
  }

  @Test
  void imageSizeNotAMultipleOf512IsRefused() throws IOException {
    Path img = image(1000);
    IOException e = assertThrows(IOException.class, () -> BlockDevice.open(img, false));
    assertTrue(e.getMessage().contains("not a multiple of 512"), e.getMessage());
    assertTrue(e.getMessage().contains("truncate -s 1024"), e.getMessage());
    assertThrows(IOException.class, () -> BlockDevice.open(dir.resolve("missing.img"), false));
  }
}
