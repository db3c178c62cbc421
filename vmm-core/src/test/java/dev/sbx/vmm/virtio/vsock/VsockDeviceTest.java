package dev.sbx.vmm.virtio.vsock;

import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.virtio.vsock.GuestVsock.Packet;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VsockDeviceTest {
  @TempDir Path dir;
  private VsockDevice dev;

  @AfterEach
  void close() {
    if (dev != null) {
      dev.close();
    }
  }

  private GuestVsock guest(Path uds, int maxConns, boolean splitRx) throws Exception {
    dev = VsockDevice.create(GuestVsock.CID, uds, maxConns);
    dev.registerHandler(7, (ch, port) -> {
      ByteBuffer b = ByteBuffer.allocate(8192);
      while (ch.read(b) >= 0) {
        b.flip();
        while (b.hasRemaining()) {
          ch.write(b);
        }
        b.clear();
      }
    });
    return new GuestVsock(dev, splitRx);
  }

  private static Predicate op(int op) {
    return k -> k.h().op() == op;
  }

  private interface Predicate extends java.util.function.Predicate<Packet> {}

  /** Echo through the in-process handler with several descriptor layouts. */
  private void echoes(boolean splitRx, int... split) throws Exception {
    GuestVsock g = guest(null, 4, splitRx);
    List<Packet> seen = new ArrayList<>();
    g.send(g.hdr(1000, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    Packet resp = g.await(op(OP_RESPONSE), seen);
    assertEquals(7, resp.h().srcPort());
    assertEquals(1000, resp.h().dstPort());
    assertEquals(GuestVsock.CID, resp.h().dstCid());
    byte[] msg = "hello, vsock".getBytes(StandardCharsets.US_ASCII);
    g.send(g.hdr(1000, 7, OP_RW, msg.length, 1 << 20, 0), msg, split);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (got.size() < msg.length) {
      got.write(g.await(op(OP_RW), seen).data());
    }
    assertArrayEquals(msg, got.toByteArray());
  }

  @Test
  void headerAndPayloadInOneDescriptor() throws Exception {
    echoes(false);
  }

  @Test
  void headerAndPayloadInSeparateDescriptors() throws Exception {
    echoes(true, VsockHeader.SIZE, 12);
  }

  @Test
  void headerAndPayloadSplitAnywhere() throws Exception {
    echoes(false, 10, 30, 5, 1, 3, 7);
  }

  @Test
  void unknownPortGetsReset() throws Exception {
    GuestVsock g = guest(null, 4, false);
    g.send(g.hdr(1000, 9999, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    Packet rst = g.await(op(OP_RST), new ArrayList<>());
    assertEquals(9999, rst.h().srcPort());
    g.send(g.hdr(1001, 7, OP_RW, 3, 1 << 20, 0), new byte[3]);
    assertEquals(7, g.await(op(OP_RST), new ArrayList<>()).h().srcPort(), "data on no connection gets RST");
  }

  @Test
  void lengthBeyondTheChainOrTooLargeGetsReset() throws Exception {
    GuestVsock g = guest(null, 4, false);
    g.send(g.hdr(1000, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    g.await(op(OP_RESPONSE), new ArrayList<>());
    g.send(g.hdr(1000, 7, OP_RW, 100, 1 << 20, 0), new byte[10]);
    g.await(op(OP_RST), new ArrayList<>());
    assertEquals(0, dev.connectionCount());
    g.send(g.hdr(1002, 7, OP_RW, -1, 1 << 20, 0), new byte[10]);
    g.await(op(OP_RST), new ArrayList<>());
  }

  @Test
  void foreignSourceCidIsDropped() throws Exception {
    GuestVsock g = guest(null, 4, false);
    g.send(new VsockHeader(99, VsockDevice.HOST_CID, 1000, 7, 0, TYPE_STREAM, OP_REQUEST, 0, 4096, 0), new byte[0]);
    g.send(g.hdr(1000, 9999, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    List<Packet> seen = new ArrayList<>();
    g.await(op(OP_RST), seen);
    assertTrue(seen.isEmpty(), "the spoofed request got no answer");
    assertEquals(0, dev.connectionCount());
  }

  @Test
  void shortChainIsDroppedAndQueueSurvives() throws Exception {
    GuestVsock g = guest(null, 4, false);
    g.send(g.hdr(1000, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0], 20, 0);
    g.send(g.hdr(1000, 9999, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    g.await(op(OP_RST), new ArrayList<>());
  }

  @Test
  void creditOverrunResetsTheConnection() throws Exception {
    dev = VsockDevice.create(GuestVsock.CID, null, 4);
    dev.registerHandler(8, (ch, port) -> {
      // Never reads: the guest's data piles up against our advertised buffer.
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    GuestVsock g = new GuestVsock(dev, false);
    g.send(g.hdr(1000, 8, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    g.await(op(OP_RESPONSE), new ArrayList<>());
    byte[] chunk = new byte[VsockDevice.MAX_PAYLOAD];
    for (int i = 0; i < VsockConnection.BUF_ALLOC / chunk.length; i++) {
      g.send(g.hdr(1000, 8, OP_RW, chunk.length, 1 << 20, 0), chunk);
    }
    assertEquals(1, dev.connectionCount(), "within credit is fine");
    // The handler never reads, so at most one pipe's worth (64 KiB) can have been forwarded:
    // two more chunks must overrun the credit.
    g.send(g.hdr(1000, 8, OP_RW, chunk.length, 1 << 20, 0), chunk);
    g.send(g.hdr(1000, 8, OP_RW, chunk.length, 1 << 20, 0), chunk);
    g.await(op(OP_RST), new ArrayList<>());
    assertEquals(0, dev.connectionCount());
  }

  @Test
  void connectionLimitIsEnforced() throws Exception {
    GuestVsock g = guest(null, 2, false);
    for (int p = 1000; p < 1002; p++) {
      g.send(g.hdr(p, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
      g.await(op(OP_RESPONSE), new ArrayList<>());
    }
    g.send(g.hdr(1002, 7, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
    Packet rst = g.await(op(OP_RST), new ArrayList<>());
    assertEquals(1002, rst.h().dstPort());
    assertEquals(2, dev.connectionCount());
  }

  @Test
  void reservedCidsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> VsockDevice.create(2, null, 4));
    assertThrows(IllegalArgumentException.class, () -> VsockDevice.create(0xffffffffL, null, 4));
  }

  @Test
  void hostConnectsThroughTheUnixSocketAndDataFlowsBothWays() throws Exception {
    Path uds = dir.resolve("v.sock");
    GuestVsock g = guest(uds, 4, false);
    try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
      host.write(ByteBuffer.wrap("CONNECT 52\n".getBytes(StandardCharsets.US_ASCII)));
      Packet req = g.await(op(OP_REQUEST), new ArrayList<>());
      assertEquals(52, req.h().dstPort());
      int hostPort = req.h().srcPort();
      assertTrue(Integer.compareUnsigned(hostPort, VsockMuxer.FIRST_HOST_PORT) >= 0);
      g.send(g.hdr(52, hostPort, OP_RESPONSE, 0, 1 << 20, 0), new byte[0]);
      String ok = readLine(host);
      assertEquals("OK " + Integer.toUnsignedString(hostPort), ok);
      // Host to guest: more than one RX buffer and more than one read.
      byte[] data = new byte[200_000];
      new Random(3).nextBytes(data);
      Thread writer = new Thread(() -> {
        try {
          host.write(ByteBuffer.wrap(data));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      List<Packet> seen = new ArrayList<>();
      int fwd = 0;
      while (got.size() < data.length) {
        Packet p = g.await(op(OP_RW), seen);
        got.write(p.data());
        fwd += p.data().length;
        if (fwd % (64 * 1024) < 4096) {
          g.send(g.hdr(52, hostPort, OP_CREDIT_UPDATE, 0, 1 << 20, fwd), new byte[0]);
        }
      }
      writer.join();
      assertArrayEquals(data, got.toByteArray());
      // Guest to host.
      byte[] back = "from the guest".getBytes(StandardCharsets.US_ASCII);
      g.send(g.hdr(52, hostPort, OP_RW, back.length, 1 << 20, fwd), back);
      ByteBuffer in = ByteBuffer.allocate(back.length);
      while (in.hasRemaining()) {
        host.read(in);
      }
      assertArrayEquals(back, in.array());
    }
  }

  @Test
  void guestReachesUdsPortSocket() throws Exception {
    Path uds = dir.resolve("v.sock");
    try (ServerSocketChannel svc = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      svc.bind(UnixDomainSocketAddress.of(Path.of(uds + "_5000")));
      GuestVsock g = guest(uds, 4, false);
      g.send(g.hdr(1000, 5000, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
      try (SocketChannel s = svc.accept()) {
        g.await(op(OP_RESPONSE), new ArrayList<>());
        s.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("hi", new String(g.await(op(OP_RW), new ArrayList<>()).data(), StandardCharsets.US_ASCII));
      }
      // The service closed: the guest hears that the host will send no more.
      assertEquals(SHUTDOWN_SEND, g.await(op(OP_SHUTDOWN), new ArrayList<>()).h().flags());
    }
  }

  @Test
  void guestHalfCloseDeliversDataThenEofAndTheHostCanStillAnswer() throws Exception {
    Path uds = dir.resolve("v.sock");
    try (ServerSocketChannel svc = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      svc.bind(UnixDomainSocketAddress.of(Path.of(uds + "_5001")));
      GuestVsock g = guest(uds, 4, false);
      g.send(g.hdr(1000, 5001, OP_REQUEST, 0, 1 << 20, 0), new byte[0]);
      try (SocketChannel s = svc.accept()) {
        g.await(op(OP_RESPONSE), new ArrayList<>());
        byte[] msg = "abc".getBytes(StandardCharsets.US_ASCII);
        g.send(g.hdr(1000, 5001, OP_RW, 3, 1 << 20, 0), msg);
        g.send(new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, 1000, 5001, 0, TYPE_STREAM, OP_SHUTDOWN,
            SHUTDOWN_SEND, 1 << 20, 0), new byte[0]);
        ByteBuffer in = ByteBuffer.allocate(16);
        while (s.read(in) >= 0) {
          // until EOF
        }
        in.flip();
        assertEquals("abc", StandardCharsets.US_ASCII.decode(in).toString());
        // The host can still answer after the guest's half close.
        s.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("ok", new String(g.await(op(OP_RW), new ArrayList<>()).data(), StandardCharsets.US_ASCII));
        // A full shutdown ends the connection with RST.
        g.send(new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, 1000, 5001, 0, TYPE_STREAM, OP_SHUTDOWN,
            SHUTDOWN_SEND | SHUTDOWN_RCV, 1 << 20, 0), new byte[0]);
        g.await(op(OP_RST), new ArrayList<>());
        assertEquals(0, dev.connectionCount());
      }
    }
  }

  @Test
  void badConnectLineClosesTheHostSocket() throws Exception {
    Path uds = dir.resolve("v.sock");
    guest(uds, 4, false);
    try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
      host.write(ByteBuffer.wrap("HELLO there\n".getBytes(StandardCharsets.US_ASCII)));
      assertEquals(-1, host.read(ByteBuffer.allocate(16)));
    }
  }

  private static String readLine(SocketChannel ch) throws Exception {
    StringBuilder b = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (ch.read(one) < 0) {
        throw new AssertionError("closed before a line arrived");
      }
      if (one.get(0) == '\n') {
        return b.toString();
      }
      b.append((char) one.get(0));
    }
  }
}
