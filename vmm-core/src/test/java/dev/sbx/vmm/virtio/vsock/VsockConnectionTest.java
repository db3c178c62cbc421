package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.testing.ByteChain;

import static dev.sbx.vmm.virtio.vsock.Chains.hdr;
import static dev.sbx.vmm.virtio.vsock.Chains.receive;
import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One connection's credit accounting, driven directly with hostile credit fields. */
class VsockConnectionTest {
  private static final int LOCAL = VsockMuxer.FIRST_HOST_PORT;
  private static final int PEER = 52;
  private final VsockMuxer m;
  private final FakeHost host = new FakeHost();

  VsockConnectionTest() throws IOException {
    m = new VsockMuxer(GuestVsock.CID, null, 4, () -> {});
  }

  @AfterEach
  void close() {
    host.close();
    m.reset();
  }

  /** A host endpoint that sends what the test queues and, unless told otherwise, never takes a byte. */
  static final class FakeHost implements HostEndpoint {
    final LinkedBlockingQueue<byte[]> toGuest = new LinkedBlockingQueue<>();
    final CountDownLatch closed = new CountDownLatch(1);
    volatile boolean accepting;
    final ByteArrayOutputStream got = new ByteArrayOutputStream();

    @Override
    public int read(ByteBuffer dst) throws IOException {
      try {
        while (closed.getCount() > 0) {
          byte[] d = toGuest.poll(10, TimeUnit.MILLISECONDS);
          if (d != null) {
            dst.put(d);
            return d.length;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return -1;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      if (!accepting) {
        try {
          closed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("closed");
      }
      synchronized (got) {
        got.write(src.array(), src.position(), src.remaining());
      }
      src.position(src.limit());
    }

    @Override
    public void shutdownOutput() {}

    @Override
    public void close() {
      closed.countDown();
    }
  }

  private VsockConnection established(int bufAlloc, int fwdCnt) {
    VsockConnection c = VsockConnection.hostInitiated(m, LOCAL, PEER, host);
    guest(c, hdr(PEER, LOCAL, OP_RESPONSE, 0, bufAlloc, fwdCnt), new byte[0]);
    assertEquals(VsockConnection.State.ESTABLISHED, c.state());
    return c;
  }

  private void guest(VsockConnection c, VsockHeader h, byte[] payload) {
    synchronized (m) {
      c.onGuestPacket(h, new ByteChain.Reader(payload));
    }
  }

  private void waitFor(BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      synchronized (m) {
        if (cond.getAsBoolean()) {
          return;
        }
      }
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(2);
    }
  }

  @Test
  void guestFillsExactlyTheAdvertisedBufferAndNotOneByteMore() throws Exception {
    // The guest's own credit fields say nothing about our buffer: lie about them throughout.
    VsockConnection c = established(-1, Integer.MAX_VALUE);
    byte[] chunk = new byte[VsockDevice.MAX_PAYLOAD];
    for (int i = 0; i < VsockConnection.BUF_ALLOC / chunk.length; i++) {
      guest(c, hdr(PEER, LOCAL, OP_RW, chunk.length, -1, Integer.MAX_VALUE), chunk);
    }
    synchronized (m) {
      assertEquals(VsockConnection.State.ESTABLISHED, c.state());
      assertTrue(c.withinCredit(0));
      assertFalse(c.withinCredit(1), "the host took nothing, so the buffer is full");
      assertEquals(0, m.pendingControl());
    }
    guest(c, hdr(PEER, LOCAL, OP_RW, 1, -1, Integer.MAX_VALUE), new byte[1]);
    assertEquals(VsockConnection.State.CLOSED, c.state());
    assertTrue(host.closed.await(10, TimeUnit.SECONDS), "the host side is closed");
    List<ByteChain.Writer> got = receive(m, 0);
    assertEquals(1, got.size());
    assertEquals(OP_RST, Chains.header(got.get(0)).op());
    assertEquals(PEER, Chains.header(got.get(0)).dstPort());
  }

  @Test
  void hostDataStaysWithinTheGuestsWindow() throws Exception {
    VsockConnection c = established(1000, 0);
    byte[] data = new byte[5000];
    new Random(7).nextBytes(data);
    host.toGuest.add(data);
    waitFor(c::hasDataForGuest);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int fwd = 1000; fwd <= 5000; fwd += 1000) {
      List<ByteChain.Writer> packets = receive(m, VsockDevice.MAX_PAYLOAD);
      assertEquals(1, packets.size(), "one window's worth, then nothing until the guest gives credit");
      VsockHeader h = Chains.header(packets.get(0));
      assertEquals(OP_RW, h.op());
      assertEquals(1000, h.len());
      assertEquals(VsockConnection.BUF_ALLOC, h.bufAlloc());
      got.write(Arrays.copyOfRange(packets.get(0).bytes(), VsockHeader.SIZE, VsockHeader.SIZE + h.len()));
      synchronized (m) {
        assertFalse(c.canSendToGuest());
      }
      guest(c, hdr(PEER, LOCAL, OP_CREDIT_UPDATE, 0, 1000, fwd), new byte[0]);
    }
    assertArrayEquals(data, got.toByteArray());
  }

  @Test
  void hostileWindowsGetNothingOrOneBufferAtMost() throws Exception {
    VsockConnection c = established(Integer.MIN_VALUE, 0);
    host.toGuest.add(new byte[3000]);
    waitFor(c::hasDataForGuest);
    assertTrue(receive(m, VsockDevice.MAX_PAYLOAD).isEmpty(), "a negative window takes nothing");
    // fwd_cnt ahead of what we ever sent: the window looks huge, but a packet still fits its RX buffer.
    guest(c, hdr(PEER, LOCAL, OP_CREDIT_UPDATE, 0, 1 << 30, 1 << 29), new byte[0]);
    List<ByteChain.Writer> got = receive(m, 100);
    assertEquals(30, got.size());
    for (ByteChain.Writer w : got) {
      assertEquals(100, Chains.header(w).len());
    }
    // SHUTDOWN(RCV): nothing more reaches the guest, whatever window it claims.
    host.toGuest.add(new byte[10]);
    waitFor(c::hasDataForGuest);
    guest(c, new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, PEER, LOCAL, 0, TYPE_STREAM, OP_SHUTDOWN,
        SHUTDOWN_RCV, Integer.MAX_VALUE, 0), new byte[0]);
    assertTrue(receive(m, VsockDevice.MAX_PAYLOAD).isEmpty());
    assertEquals(VsockConnection.State.ESTABLISHED, c.state());
  }

  @Test
  void creditUpdateOnceHalfTheBufferReachedTheHost() throws Exception {
    host.accepting = true;
    VsockConnection c = established(1 << 20, 0);
    byte[] chunk = new byte[VsockDevice.MAX_PAYLOAD];
    guest(c, hdr(PEER, LOCAL, OP_RW, chunk.length, 1 << 20, 0), chunk);
    waitFor(() -> c.withinCredit(VsockConnection.BUF_ALLOC));
    assertEquals(0, m.pendingControl(), "a quarter of the buffer went through: no update yet");
    guest(c, hdr(PEER, LOCAL, OP_RW, chunk.length, 1 << 20, 0), chunk);
    waitFor(() -> m.pendingControl() > 0);
    List<ByteChain.Writer> got = receive(m, 0);
    assertEquals(OP_CREDIT_UPDATE, Chains.header(got.get(0)).op());
    assertEquals(PEER, Chains.header(got.get(0)).dstPort());
  }

  @Test
  void repeatedShutdownDoesNotGrowTheHostQueue() throws Exception {
    VsockConnection c = established(1 << 20, 0);
    VsockHeader shut = new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, PEER, LOCAL, 0, TYPE_STREAM, OP_SHUTDOWN,
        SHUTDOWN_SEND, 1 << 20, 0);
    for (int i = 0; i < 100_000; i++) {
      guest(c, shut, new byte[0]);
    }
    synchronized (m) {
      assertTrue(c.queuedForHost() <= 1, "queued for the host: " + c.queuedForHost());
      assertEquals(VsockConnection.State.ESTABLISHED, c.state());
    }
  }

  @Test
  void closedConnectionsLeaveTheReadyQueue() throws Exception {
    // The guest posts no RX buffers and cycles connections that have host data waiting.
    for (int i = 0; i < 50; i++) {
      FakeHost h = new FakeHost();
      VsockConnection c = VsockConnection.hostInitiated(m, LOCAL + i, PEER, h);
      guest(c, hdr(PEER, LOCAL + i, OP_RESPONSE, 0, 1 << 20, 0), new byte[0]);
      h.toGuest.add(new byte[VsockDevice.MAX_PAYLOAD]);
      waitFor(c::hasDataForGuest);
      assertEquals(1, m.readyCount());
      guest(c, hdr(PEER, LOCAL + i, OP_RST, 0, 1 << 20, 0), new byte[0]);
      assertEquals(0, m.readyCount());
      h.close();
    }
  }
}
