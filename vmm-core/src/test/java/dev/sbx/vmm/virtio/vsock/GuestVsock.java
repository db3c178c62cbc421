package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A guest vsock driver over synthetic memory: posts RX buffers, sends TX chains laid out as asked. */
final class GuestVsock {
  static final int Q = 64;
  static final long CID = 3;
  private static final long[] DESC = {0x1000, 0x3000, 0x5000};
  private static final long[] AVAIL = {0x7000, 0x7400, 0x7800};
  private static final long[] USED = {0x8000, 0x9000, 0xa000};
  private static final long RXBUF = 0x100000;
  private static final long TXBUF = 0x200000;
  static final int RX_BUF_SIZE = 4096;

  final GuestMemory mem = new GuestMemory(List.of(new GuestRegion(0, ByteBuffer.allocateDirect(4 << 20))));
  final VsockDevice dev;
  private final int[] avail = new int[3];
  private int rxSeen;
  private final boolean splitRxHeader;
  private final java.util.ArrayDeque<Packet> backlog = new java.util.ArrayDeque<>();

  record Packet(VsockHeader h, byte[] data) {}

  GuestVsock(VsockDevice dev, boolean splitRxHeader) {
    this.dev = dev;
    this.splitRxHeader = splitRxHeader;
    List<Virtqueue> qs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Virtqueue q = new Virtqueue(i, Q, dev.maxChainBytes());
      q.setSize(Q);
      q.setDescAddr(DESC[i]);
      q.setAvailAddr(AVAIL[i]);
      q.setUsedAddr(USED[i]);
      q.start(mem, VirtioFeatures.RING_FEATURES, false);
      qs.add(q);
    }
    dev.activate(VirtioFeatures.RING_FEATURES, qs, new VirtioInterrupt() {
      @Override
      public void signalUsedBuffer(int queue) {}

      @Override
      public void signalConfigChange() {}
    });
    for (int i = 0; i < Q / 2; i++) {
      postRx(i);
    }
    dev.queueNotified(VsockDevice.RX);
  }

  private void desc(int q, int i, long addr, int len, int flags, int next) {
    long d = DESC[q] + 16L * i;
    mem.writeLong(d, addr);
    mem.writeInt(d + 8, len);
    mem.writeShort(d + 12, (short) flags);
    mem.writeShort(d + 14, (short) next);
  }

  private synchronized void offer(int q, int head) {
    mem.writeShort(AVAIL[q] + 4 + 2L * (avail[q] % Q), (short) head);
    avail[q]++;
    mem.writeShortRelease(AVAIL[q] + 2, (short) avail[q]);
  }

  /** RX buffer {@code slot} uses descriptors 2*slot (and 2*slot+1 when the header is split off). */
  private void postRx(int slot) {
    long buf = RXBUF + (long) slot * (RX_BUF_SIZE + VsockHeader.SIZE);
    if (splitRxHeader) {
      desc(0, 2 * slot, buf, VsockHeader.SIZE, 3, 2 * slot + 1);
      desc(0, 2 * slot + 1, buf + VsockHeader.SIZE, RX_BUF_SIZE, 2, 0);
    } else {
      desc(0, 2 * slot, buf, RX_BUF_SIZE, 2, 0);
    }
    offer(0, 2 * slot);
  }

  /** Sends header+payload as one chain whose descriptors have the given lengths (summing to the total). */
  void send(VsockHeader h, byte[] payload, int... split) {
    byte[] all = new byte[VsockHeader.SIZE + payload.length];
    System.arraycopy(h.encode(), 0, all, 0, VsockHeader.SIZE);
    System.arraycopy(payload, 0, all, VsockHeader.SIZE, payload.length);
    if (split.length == 0) {
      split = new int[] {all.length};
    }
    mem.write(TXBUF, all);
    long addr = TXBUF;
    for (int i = 0; i < split.length; i++) {
      desc(1, i, addr, split[i], i < split.length - 1 ? 1 : 0, i + 1);
      addr += split[i];
    }
    offer(1, 0);
    dev.queueNotified(VsockDevice.TX);
  }

  VsockHeader hdr(int srcPort, int dstPort, int op, int len, int bufAlloc, int fwdCnt) {
    return new VsockHeader(CID, VsockDevice.HOST_CID, srcPort, dstPort, len, VsockHeader.TYPE_STREAM, op, 0,
        bufAlloc, fwdCnt);
  }

  /** Packets the device put in RX buffers since the last call; their buffers are posted again. */
  List<Packet> receive() {
    List<Packet> out = new ArrayList<>();
    int used = Short.toUnsignedInt(mem.readShortAcquire(USED[0] + 2));
    while (rxSeen != used) {
      long e = USED[0] + 4 + 8L * (rxSeen % Q);
      int head = mem.readInt(e);
      int len = mem.readInt(e + 4);
      long buf = RXBUF + (long) (head / 2) * (RX_BUF_SIZE + VsockHeader.SIZE);
      byte[] b = mem.read(buf, len);
      VsockHeader h = VsockHeader.parse(java.util.Arrays.copyOf(b, VsockHeader.SIZE));
      out.add(new Packet(h, java.util.Arrays.copyOfRange(b, VsockHeader.SIZE, len)));
      rxSeen = (rxSeen + 1) & 0xffff;
      postRx(head / 2);
    }
    if (!out.isEmpty()) {
      dev.queueNotified(VsockDevice.RX);
    }
    return out;
  }

  /** Waits (up to a generous bound) for a packet matching {@code p}; earlier ones go to {@code seen}. */
  Packet await(Predicate<Packet> p, List<Packet> seen) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      backlog.addAll(receive());
      while (!backlog.isEmpty()) {
        Packet k = backlog.poll();
        if (p.test(k)) {
          return k;
        }
        seen.add(k);
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no matching vsock packet arrived; saw " + seen);
  }
}
