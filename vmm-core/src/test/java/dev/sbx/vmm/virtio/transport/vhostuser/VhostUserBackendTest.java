package dev.sbx.vmm.virtio.transport.vhostuser;

import static dev.sbx.vmm.virtio.transport.vhostuser.VhostUserProtocol.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.os.linux.EventFd;
import dev.sbx.vmm.os.linux.MemFd;
import dev.sbx.vmm.os.linux.SharedMapping;
import dev.sbx.vmm.os.linux.UnixSocket;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.rng.RngDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A frontend written here drives the backend over a real socket with a real memfd, then misbehaves. */
class VhostUserBackendTest {
  private static final long GPA = 0x10000000L;
  private static final long UVA = 0x7f0000000000L;
  private static final int RAM = 1 << 20;
  private static final long DESC = 0x1000;
  private static final long AVAIL = 0x2000;
  private static final long USED = 0x3000;
  private static final long BUF = 0x8000;

  @TempDir Path dir;
  private VhostUserServer server;
  private CompletableFuture<Void> served;
  private UnixSocket fe;
  private MemFd memfd;
  private SharedMapping map;
  private GuestMemory view;

  @BeforeEach
  void setUp() throws Exception {
    server = new VhostUserServer(dir.resolve("s.sock"), new RngDevice());
    served = CompletableFuture.runAsync(() -> {
      try {
        server.serveOne();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    fe = UnixSocket.connect(dir.resolve("s.sock"));
    memfd = MemFd.create("guest", RAM);
    map = SharedMapping.map(memfd.fd(), RAM);
    view = new GuestMemory(List.of(map.region(GPA, 0, RAM)));
  }

  @AfterEach
  void tearDown() {
    fe.close();
    server.close();
    map.close();
    memfd.close();
  }

  private void send(int request, int flags, byte[] payload, int... fds) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(request).putInt(VERSION | flags).putInt(payload.length).put(payload);
    fe.send(b.array(), 0, b.capacity(), fds);
  }

  private ByteBuffer reply() throws IOException {
    byte[] h = new byte[HEADER_SIZE];
    List<Integer> fds = new ArrayList<>();
    fe.receiveFully(h, 0, HEADER_SIZE, fds);
    ByteBuffer hb = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(VERSION | FLAG_REPLY, hb.getInt(4));
    byte[] p = new byte[hb.getInt(8)];
    fe.receiveFully(p, 0, p.length, fds);
    return ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  private static byte[] state(int index, int num) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
  }

  /** Sends with NEED_REPLY and returns the REPLY_ACK status (0 = success). */
  private long acked(int request, byte[] payload, int... fds) throws IOException {
    send(request, FLAG_NEED_REPLY, payload, fds);
    return reply().getLong(0);
  }

  private static byte[] memTable(int regions, long gpa, long size, long uva) {
    ByteBuffer b = ByteBuffer.allocate(8 + 32 * Math.max(regions, 1)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(regions).putInt(0);
    for (int i = 0; i < Math.max(regions, 1); i++) {
      b.putLong(gpa).putLong(size).putLong(uva).putLong(0);
    }
    return b.array();
  }

  private long negotiate() throws IOException {
    send(GET_FEATURES, 0, new byte[0]);
    long features = reply().getLong(0);
    assertTrue(VirtioFeatures.has(features, F_PROTOCOL_FEATURES));
    send(SET_FEATURES, 0, u64(features));
    send(GET_PROTOCOL_FEATURES, 0, new byte[0]);
    long pf = reply().getLong(0);
    assertTrue((pf & (1L << PF_REPLY_ACK)) != 0);
    send(SET_PROTOCOL_FEATURES, 0, u64(1L << PF_REPLY_ACK));
    return features;
  }

  private void setUpRing(EventFd kick, EventFd call) throws IOException {
    assertEquals(0, acked(SET_MEM_TABLE, memTable(1, GPA, RAM, UVA), memfd.fd()));
    assertEquals(0, acked(SET_VRING_NUM, state(0, 8)));
    assertEquals(0, acked(SET_VRING_BASE, state(0, 0)));
    ByteBuffer a = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    a.putInt(0).putInt(0).putLong(UVA + DESC).putLong(UVA + USED).putLong(UVA + AVAIL).putLong(0);
    assertEquals(0, acked(SET_VRING_ADDR, a.array()));
    assertEquals(0, acked(SET_VRING_CALL, u64(0), call.fd()));
    assertEquals(0, acked(SET_VRING_KICK, u64(0), kick.fd()));
    assertEquals(0, acked(SET_VRING_ENABLE, state(0, 1)));
  }

  private void waitFor(EventFd call) throws InterruptedException {
    for (int i = 0; i < 10_000 && call.drain() == 0; i++) {
      Thread.sleep(1);
    }
  }

  @Test
  void servesRequestsThroughSharedMemoryAndEventfds() throws Exception {
    negotiate();
    try (EventFd kick = EventFd.create(); EventFd call = EventFd.create()) {
      setUpRing(kick, call);
      view.writeLong(GPA + DESC, GPA + BUF);
      view.writeInt(GPA + DESC + 8, 32);
      view.writeShort(GPA + DESC + 12, (short) 2);
      view.writeShort(GPA + AVAIL + 4, (short) 0);
      view.writeShortRelease(GPA + AVAIL + 2, (short) 1);
      kick.signal();
      waitFor(call);
      assertEquals(1, view.readShortAcquire(GPA + USED + 2));
      assertEquals(32, view.readInt(GPA + USED + 8));
      send(GET_VRING_BASE, 0, state(0, 0));
      assertEquals(1, reply().getInt(4), "the ring stops at avail index 1");
    }
  }

  @Test
  void memoryTableWithTooManyRegionsOrMissingFdsIsRefused() throws Exception {
    negotiate();
    assertEquals(1, acked(SET_MEM_TABLE, memTable(9, GPA, RAM, UVA)));
    assertEquals(1, acked(SET_MEM_TABLE, memTable(1, GPA, RAM, UVA)), "no fd attached");
    assertEquals(1, acked(SET_MEM_TABLE, memTable(0, GPA, RAM, UVA), memfd.fd()));
    assertEquals(1, acked(SET_MEM_TABLE, memTable(1, GPA, 2L * RAM, UVA), memfd.fd()), "larger than the memfd");
    assertEquals(1, acked(SET_MEM_TABLE, memTable(1, -4096L, RAM, UVA), memfd.fd()), "guest range wraps");
    assertEquals(0, acked(SET_MEM_TABLE, memTable(1, GPA, RAM, UVA), memfd.fd()), "still usable");
  }

  @Test
  void ringRequestsForBadIndicesAreRefused() throws Exception {
    negotiate();
    assertEquals(1, acked(SET_VRING_NUM, state(99, 8)));
    assertEquals(1, acked(SET_VRING_BASE, state(-1, 0)));
    assertEquals(1, acked(SET_VRING_KICK, u64(77)));
    assertEquals(1, acked(SET_VRING_ENABLE, state(5, 1)));
    assertEquals(1, acked(SET_VRING_NUM, new byte[2]), "short payload");
    assertEquals(1, acked(4242, new byte[0]), "unknown request");
  }

  @Test
  void ringOutsideTheMemoryTableBreaksTheRingNotTheBackend() throws Exception {
    negotiate();
    try (EventFd kick = EventFd.create(); EventFd call = EventFd.create(); EventFd err = EventFd.create()) {
      assertEquals(0, acked(SET_MEM_TABLE, memTable(1, GPA, RAM, UVA), memfd.fd()));
      assertEquals(0, acked(SET_VRING_ERR, u64(0), err.fd()));
      ByteBuffer a = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
      a.putInt(0).putInt(0).putLong(UVA - 0x1000).putLong(UVA + USED).putLong(UVA + AVAIL).putLong(0);
      assertEquals(0, acked(SET_VRING_ADDR, a.array()));
      assertEquals(0, acked(SET_VRING_KICK, u64(0), kick.fd()));
      assertEquals(0, acked(SET_VRING_ENABLE, state(0, 1)));
      waitFor(err);
      // The connection still answers.
      send(GET_FEATURES, 0, new byte[0]);
      assertTrue(reply().getLong(0) != 0);
    }
  }

  @Test
  void hugeOrMalformedConfigRequestEndsTheConnectionOnly() throws Exception {
    negotiate();
    ByteBuffer c = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(100_000).putInt(0);
    send(GET_CONFIG, 0, c.array());
    var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> served.get());
    assertTrue(e.getCause().getMessage().contains("GET_CONFIG"), e.getCause().getMessage());
  }

  @Test
  void oversizedPayloadEndsTheConnectionOnly() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(SET_FEATURES).putInt(VERSION).putInt(1 << 30);
    fe.send(b.array());
    var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> served.get());
    assertTrue(e.getCause().getMessage().contains("payload"), e.getCause().getMessage());
  }

  @Test
  void wrongVersionEndsTheConnection() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(GET_FEATURES).putInt(2).putInt(0);
    fe.send(b.array());
    assertThrows(java.util.concurrent.ExecutionException.class, () -> served.get());
  }

  @Test
  void unofferedFeaturesAreRefused() throws Exception {
    send(SET_PROTOCOL_FEATURES, 0, u64(1L << PF_REPLY_ACK));
    assertEquals(1, acked(SET_FEATURES, u64(1L << 60)));
  }

  @Test
  void disconnectEndsServeCleanly() throws Exception {
    negotiate();
    fe.close();
    served.get();
  }
}
