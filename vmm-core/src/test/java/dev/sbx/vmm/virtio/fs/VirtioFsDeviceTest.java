package dev.sbx.vmm.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.virtio.TestRing;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The virtio-fs device over synthetic rings: the guest side is played by hand, hostile or not. */
class VirtioFsDeviceTest {
  private static final long IN = TestRing.DATA;
  private static final long OUT = TestRing.DATA + 0x40000;
  private static final int OUT_LEN = 0x10000;

  @TempDir Path dir;
  private VirtioFsDevice dev;
  private TestRing hiprio;
  private TestRing requests;
  private final AtomicInteger interrupts = new AtomicInteger();
  private long unique = 1;

  @BeforeEach
  void start() throws Exception {
    dev = new VirtioFsDevice("ws", FuseServer.open(dir, FuseConfig.defaults(false)));
    hiprio = new TestRing(16);
    requests = new TestRing(16);
    dev.activate(VirtioFeatures.RING_FEATURES, List.of(hiprio.queue, requests.queue), new VirtioInterrupt() {
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
    dev.close();
  }

  /** Puts {@code request} in one readable descriptor and a writable one of {@code outLen} behind it. */
  private int post(TestRing ring, int head, byte[] request, int outLen) {
    ring.mem.write(IN + 0x1000L * head, request);
    if (outLen > 0) {
      ring.desc(head, IN + 0x1000L * head, request.length, TestRing.NEXT, head + 1);
      ring.desc(head + 1, OUT + 0x1000L * head, outLen, TestRing.WRITE, 0);
    } else {
      ring.desc(head, IN + 0x1000L * head, request.length, 0, 0);
    }
    ring.offer(head);
    return head;
  }

  private byte[] request(int opcode, long node, byte[] args) {
    return FuseClient.request(opcode, node, unique++, 0, 0, args);
  }

  /** One request on the request queue, completed; returns its reply. */
  private Reply call(int opcode, long node, Args args) {
    int before = requests.usedIdx();
    post(requests, 0, request(opcode, node, args.build()), OUT_LEN);
    dev.queueNotified(1);
    assertEquals(before + 1, requests.usedIdx(), "the chain was returned");
    int len = requests.usedLen(before);
    return Reply.parse(requests.mem.read(OUT, len));
  }

  private void init() {
    Reply r = call(FuseOpcode.INIT, 0, Args.of().u32(7).u32(38).u32(128 * 1024).u32(0).u32(0).zeros(44));
    assertEquals(0, r.error());
  }

  @Test
  void configSpaceHoldsTheTagAndQueueCount() {
    assertEquals(26, dev.deviceType());
    assertEquals(2, dev.queueCount());
    assertTrue(VirtioFeatures.has(dev.features(), VirtioFeatures.VERSION_1));
    byte[] cfg = new byte[40];
    dev.readConfig(0, cfg);
    byte[] tag = new byte[36];
    tag[0] = 'w';
    tag[1] = 's';
    assertArrayEquals(tag, Arrays.copyOf(cfg, 36));
    assertEquals(1, ByteBuffer.wrap(cfg).order(ByteOrder.LITTLE_ENDIAN).getInt(36));
    byte[] past = new byte[8];
    Arrays.fill(past, (byte) 7);
    dev.readConfig(36, past);
    assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, past, "bytes past the config read as zero");
    assertTrue(dev.maxChainBytes() > (1 << 20), "a full 1 MiB WRITE fits in one chain");
  }

  @Test
  void badTagsAndQueueCountsAreRefused() throws Exception {
    FuseServer s = FuseServer.open(dir, FuseConfig.defaults(true));
    try {
      assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice("", s));
      assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice("x".repeat(37), s));
      assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice("a\0b", s));
      assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice("ws", s, 0));
      assertEquals(36, new VirtioFsDevice("x".repeat(36), s).tag().length());
    } finally {
      s.close();
    }
  }

  @Test
  void requestQueueServesFuseRequestsIntoTheSharedFolder() throws Exception {
    init();
    Reply created = call(FuseOpcode.CREATE, 1, Args.of().u32(1 /* O_WRONLY */).u32(0100644).u32(022).u32(0).name("hello"));
    assertEquals(0, created.error());
    long fh = created.buf().getLong(128); // fuse_open_out after fuse_entry_out
    byte[] data = "from the guest".getBytes(StandardCharsets.UTF_8);
    // The payload in its own descriptor, the way the driver splits header and pages.
    byte[] header = request(FuseOpcode.WRITE, 0,
        Args.of().u64(fh).u64(0).u32(data.length).u32(0).u64(0).u32(0).u32(0).build());
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(0, header.length + data.length);
    requests.mem.write(IN, header);
    requests.mem.write(IN + 0x2000, data);
    requests.desc(0, IN, header.length, TestRing.NEXT, 1);
    requests.desc(1, IN + 0x2000, data.length, TestRing.NEXT, 2);
    requests.desc(2, OUT, OUT_LEN, TestRing.WRITE, 0);
    int before = requests.usedIdx();
    requests.offer(0);
    dev.queueNotified(1);
    Reply w = Reply.parse(requests.mem.read(OUT, requests.usedLen(before)));
    assertEquals(0, w.error());
    assertEquals(data.length, w.buf().getInt(0));
    assertEquals("from the guest", Files.readString(dir.resolve("hello")));
    assertTrue(interrupts.get() > 0, "the driver was interrupted");
    assertFalse(requests.queue.isBroken());
  }

  @Test
  void hiprioQueueForgetsNodesWithoutReplying() throws Exception {
    Files.writeString(dir.resolve("f"), "x");
    init();
    Reply r = call(FuseOpcode.LOOKUP, 1, Args.of().name("f"));
    assertEquals(0, r.error());
    assertEquals(2, dev.server().nodeCount());
    post(hiprio, 0, request(FuseOpcode.FORGET, r.nodeId(), Args.of().u64(1).build()), 0);
    dev.queueNotified(0);
    assertEquals(1, hiprio.usedIdx());
    assertEquals(0, hiprio.usedLen(0), "FORGET has no reply");
    assertEquals(1, dev.server().nodeCount(), "only the root is left");
  }

  @Test
  void malformedRequestsGetErrorsAndTheQueueKeepsWorking() {
    init();
    // Shorter than a fuse_in_header.
    post(requests, 0, new byte[12], OUT_LEN);
    // A header claiming more bytes than the chain has.
    byte[] lying = request(FuseOpcode.LOOKUP, 1, Args.of().name("x").build());
    ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 4096);
    post(requests, 2, lying, OUT_LEN);
    // No writable buffer at all: nothing can be answered, the chain still comes back.
    post(requests, 4, request(FuseOpcode.GETATTR, 1, new byte[16]), 0);
    // A writable buffer too small for a reply header.
    post(requests, 6, request(FuseOpcode.GETATTR, 1, new byte[16]), 8);
    dev.queueNotified(1);
    assertEquals(5, requests.usedIdx());
    for (int i = 1; i <= 2; i++) {
      Reply r = Reply.parse(requests.mem.read(OUT + 0x1000L * requests.usedId(i), requests.usedLen(i)));
      assertEquals(22 /* EINVAL */, r.error(), "request " + i);
    }
    assertEquals(0, requests.usedLen(3));
    assertEquals(0, requests.usedLen(4));
    assertFalse(requests.queue.isBroken());
    assertEquals(0, call(FuseOpcode.GETATTR, 1, Args.of().zeros(16)).error(), "still serving");
  }

  @Test
  void brokenRingsStopTheQueueNotTheVmm() {
    init();
    // A descriptor loop.
    requests.desc(3, IN, 64, TestRing.NEXT, 4);
    requests.desc(4, IN, 64, TestRing.NEXT, 3);
    requests.offer(3);
    dev.queueNotified(1);
    assertTrue(requests.queue.isBroken(), "the loop broke the queue");
    dev.queueNotified(1);
    // A buffer outside guest RAM on the other queue.
    hiprio.desc(0, TestRing.RAM - 8, 64, 0, 0);
    hiprio.offer(0);
    dev.queueNotified(0);
    assertTrue(hiprio.queue.isBroken());
    assertEquals(0, hiprio.usedIdx());
  }

  @Test
  void unknownQueuesAndInactiveDevicesIgnoreNotifications() throws Exception {
    dev.queueNotified(2);
    dev.queueNotified(-1);
    dev.reset();
    post(requests, 0, request(FuseOpcode.GETATTR, 1, new byte[16]), OUT_LEN);
    dev.queueNotified(1);
    assertEquals(0, requests.usedIdx(), "a reset device serves nothing");
  }

  @Test
  void everyAvailableChainIsServedInOneNotification() {
    init();
    int base = requests.usedIdx();
    for (int i = 0; i < 8; i++) {
      post(requests, 2 * i, request(FuseOpcode.GETATTR, 1, new byte[16]), 256);
    }
    dev.queueNotified(1);
    assertEquals(base + 8, requests.usedIdx());
    for (int i = 0; i < 8; i++) {
      assertEquals(16 + 104, requests.usedLen(base + i), "fuse_attr_out after the header");
    }
  }
}
