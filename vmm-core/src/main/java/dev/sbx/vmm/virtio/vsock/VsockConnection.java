package dev.sbx.vmm.virtio.vsock;

import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vsock stream between a guest port and a host endpoint (Firecracker's {@code csm/connection.rs}):
 * its state, its credit accounting in both directions, its host socket, the bytes it holds for
 * either side, and the two threads that move them: a reader (host to guest) and a writer (guest to
 * host).
 *
 * <p>Credit: the guest may have at most {@link #BUF_ALLOC} bytes in flight towards the host
 * ({@code rxCnt - fwdCnt}); a packet beyond that resets the connection. Host data goes to the guest
 * only within the guest's advertised buffer ({@code peerBufAlloc - (txCnt - peerFwdCnt)}), and at
 * most one host read ({@link VsockDevice#MAX_PAYLOAD} bytes) waits for it at a time.
 *
 * <p>Every field is guarded by the muxer's monitor, which the threads here take too; the muxer owns
 * the connection table and the control queue this connection's packets go through.
 */
final class VsockConnection {
  private static final Logger log = LoggerFactory.getLogger(VsockConnection.class);
  /** Receive buffer per connection that the device advertises to the guest. */
  static final int BUF_ALLOC = 256 * 1024;
  private static final byte[] SHUTDOWN_MARK = new byte[0];
  private static final byte[] CLOSE_MARK = new byte[0];

  enum State {
    /** The guest asked; the device is connecting to the host service before answering. */
    CONNECTING_HOST,
    /** The host connected; the guest has not answered the REQUEST yet. */
    AWAIT_GUEST,
    ESTABLISHED,
    /** Out of the muxer's table; the threads end and the host side is (or is being) closed. */
    CLOSED
  }

  private final VsockMuxer mux;
  final int localPort;
  final int peerPort;
  private State state;
  private HostEndpoint host;
  /** The SHUTDOWN flags the guest has sent so far ({@code SHUTDOWN_RCV}, {@code SHUTDOWN_SEND}). */
  private int guestShutdown;
  /** Whether the muxer's ready queue holds this connection: the muxer's bookkeeping. */
  boolean queuedForRx;
  // Host to guest: the guest's buffer and what it consumed, as it last told us; what we sent.
  private int peerBufAlloc;
  private int peerFwdCnt;
  private int txCnt;
  // Guest to host: what the guest sent, what reached the host, the fwd_cnt the guest last heard.
  private int rxCnt;
  private int fwdCnt;
  private int lastFwdSent;
  /** One host read not yet sent to the guest. */
  private ByteBuffer outbox;
  /** Guest data for the host (within {@link #BUF_ALLOC}), one shutdown mark at most, the close mark. */
  private final LinkedBlockingQueue<byte[]> toHost = new LinkedBlockingQueue<>();

  private VsockConnection(VsockMuxer mux, int localPort, int peerPort, State state, HostEndpoint host) {
    this.mux = mux;
    this.localPort = localPort;
    this.peerPort = peerPort;
    this.state = state;
    this.host = host;
  }

  /** A guest REQUEST: the host service is connected by {@link #start} before the guest hears back. */
  static VsockConnection guestInitiated(VsockMuxer mux, VsockHeader request) {
    VsockConnection c = new VsockConnection(mux, request.dstPort(), request.srcPort(), State.CONNECTING_HOST, null);
    c.peerBufAlloc = request.bufAlloc();
    c.peerFwdCnt = request.fwdCnt();
    return c;
  }

  /** A host connection on {@code host}, waiting for the guest to answer our REQUEST. */
  static VsockConnection hostInitiated(VsockMuxer mux, int localPort, int peerPort, HostEndpoint host) {
    return new VsockConnection(mux, localPort, peerPort, State.AWAIT_GUEST, host);
  }

  State state() {
    return state;
  }

  // ---- credit ----

  /** Bytes the guest can still take: its buffer minus what is in flight. */
  int peerFree() {
    return (guestShutdown & SHUTDOWN_RCV) != 0 ? 0 : peerBufAlloc - (txCnt - peerFwdCnt);
  }

  /** Whether {@code n} more guest bytes fit the buffer we advertised. */
  boolean withinCredit(int n) {
    return n <= BUF_ALLOC - (rxCnt - fwdCnt);
  }

  /** Whether the guest should hear of freed space: its view of our buffer is half used. */
  boolean creditUpdateDue() {
    return rxCnt - lastFwdSent >= BUF_ALLOC / 2 && fwdCnt != lastFwdSent;
  }

  /** The fwd_cnt for a header going to the guest, remembered as the last one it heard. */
  int fwdCntForGuest() {
    lastFwdSent = fwdCnt;
    return fwdCnt;
  }

  /** Host data is waiting for the guest. */
  boolean hasDataForGuest() {
    return outbox != null && outbox.hasRemaining();
  }

  /** Open, with host data waiting, and credit for at least one byte of it. */
  boolean canSendToGuest() {
    return state != State.CLOSED && hasDataForGuest() && peerFree() > 0;
  }

  /** Entries waiting for the writer (data, marks), for tests. */
  int queuedForHost() {
    return toHost.size();
  }

  // ---- guest to host ----

  /**
   * Handles a packet from the guest, addressed to this connection. The muxer has checked the header:
   * stream type, {@code len} within {@link VsockDevice#MAX_PAYLOAD} and within {@code payload}.
   */
  void onGuestPacket(VsockHeader h, ChainReader payload) {
    peerBufAlloc = h.bufAlloc();
    peerFwdCnt = h.fwdCnt();
    mux.markReady(this);
    switch (h.op()) {
      case OP_RESPONSE -> {
        if (state != State.AWAIT_GUEST) {
          mux.closeConnection(this, true);
          return;
        }
        state = State.ESTABLISHED;
        start(null, ("OK " + Integer.toUnsignedString(localPort) + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      case OP_RW -> {
        if (state != State.ESTABLISHED) {
          mux.closeConnection(this, true);
          return;
        }
        int n = h.len();
        // The guest may not send more than the credit we gave it.
        if (!withinCredit(n)) {
          log.warn("guest port {} overran its vsock credit; resetting", peerPort);
          mux.closeConnection(this, true);
          return;
        }
        if (n > 0) {
          rxCnt += n;
          toHost.add(payload.readBytes(n));
        }
      }
      case OP_SHUTDOWN -> {
        // Once: a repeated SHUTDOWN must not grow the queue (it holds no credit of its own).
        if ((h.flags() & SHUTDOWN_SEND) != 0 && (guestShutdown & SHUTDOWN_SEND) == 0) {
          toHost.add(SHUTDOWN_MARK);
        }
        guestShutdown |= h.flags() & (SHUTDOWN_RCV | SHUTDOWN_SEND);
        if ((h.flags() & (SHUTDOWN_RCV | SHUTDOWN_SEND)) == (SHUTDOWN_RCV | SHUTDOWN_SEND)) {
          // The guest is done: deliver what it already sent, then close the host side.
          mux.closeConnection(this, true, true);
        }
      }
      case OP_CREDIT_UPDATE -> mux.markReady(this);
      case OP_CREDIT_REQUEST -> mux.queueControl(localPort, peerPort, OP_CREDIT_UPDATE, 0);
      case OP_RST -> mux.closeConnection(this, false);
      default -> mux.closeConnection(this, true);
    }
  }

  /**
   * Moves to {@link State#CLOSED} and lets go of the host side; {@code flush} lets the writer deliver
   * queued guest data first (only once established). False if the connection was closed already.
   */
  boolean close(boolean flush) {
    if (state == State.CLOSED) {
      return false;
    }
    boolean established = state == State.ESTABLISHED;
    state = State.CLOSED;
    toHost.add(CLOSE_MARK);
    if (host != null && (!flush || !established)) {
      host.close();
    }
    return true;
  }

  // ---- host to guest ----

  /**
   * Writes one RW packet of waiting host data into {@code w} (room for at least a header), within
   * the guest's credit; only when {@link #canSendToGuest()}. True once all waiting data is out.
   */
  boolean writeDataPacket(ChainWriter w) {
    int n = Math.min(Math.min(outbox.remaining(), w.remaining() - SIZE),
        Math.min(peerFree(), VsockDevice.MAX_PAYLOAD));
    w.write(mux.header(this, localPort, peerPort, OP_RW, 0, n).encode());
    byte[] b = new byte[n];
    outbox.get(b);
    w.write(b);
    txCnt += n;
    return !outbox.hasRemaining();
  }

  // ---- threads ----

  /**
   * Starts the reader thread (which starts the writer); {@code endpoint} (guest-initiated) connects
   * to the host service first, {@code greeting} (host-initiated) goes to the host before any data.
   */
  void start(Supplier<HostEndpoint> endpoint, byte[] greeting) {
    String name = "vsock-" + Integer.toUnsignedString(localPort) + "-" + Integer.toUnsignedString(peerPort);
    Thread reader = new Thread(() -> readLoop(endpoint, greeting), name + "-in");
    reader.setDaemon(true);
    reader.start();
  }

  /** One host read at a time, handed to the guest before the next; ends at close or host EOF. */
  private void readLoop(Supplier<HostEndpoint> endpoint, byte[] greeting) {
    HostEndpoint h;
    synchronized (mux) {
      h = host;
    }
    if (endpoint != null) {
      h = endpoint.get();
      synchronized (mux) {
        if (state == State.CLOSED) {
          if (h != null) {
            h.close();
          }
          return;
        }
        if (h == null) {
          mux.closeConnection(this, true);
          mux.deliverToGuest();
          return;
        }
        host = h;
        state = State.ESTABLISHED;
        mux.queueControl(localPort, peerPort, OP_RESPONSE, 0);
        mux.deliverToGuest();
      }
    }
    HostEndpoint ep = h;
    Thread writer = new Thread(() -> writeLoop(ep, greeting), Thread.currentThread().getName() + "-out");
    writer.setDaemon(true);
    writer.start();
    ByteBuffer buf = ByteBuffer.allocate(VsockDevice.MAX_PAYLOAD);
    while (true) {
      synchronized (mux) {
        while (state != State.CLOSED && hasDataForGuest()) {
          try {
            mux.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (state == State.CLOSED) {
          return;
        }
      }
      buf.clear();
      int n;
      try {
        n = ep.read(buf);
      } catch (IOException e) {
        n = -1;
      }
      synchronized (mux) {
        if (state == State.CLOSED) {
          return;
        }
        if (n < 0) {
          // The host is done sending (it may still read): the guest sees EOF and closes when
          // it is done too; a host that closed outright makes the next write fail and reset.
          mux.queueControl(localPort, peerPort, OP_SHUTDOWN, SHUTDOWN_SEND);
          mux.deliverToGuest();
          return;
        }
        buf.flip();
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
        copy.put(buf).flip();
        outbox = copy;
        mux.markReady(this);
        mux.deliverToGuest();
      }
    }
  }

  /** Writes guest data to the host in order, one queued packet at a time; ends at the close mark. */
  private void writeLoop(HostEndpoint ep, byte[] greeting) {
    try {
      if (greeting != null) {
        ep.write(ByteBuffer.wrap(greeting));
      }
      while (true) {
        byte[] d = toHost.take();
        if (d == CLOSE_MARK) {
          ep.close();
          return;
        }
        if (d == SHUTDOWN_MARK) {
          ep.shutdownOutput();
          continue;
        }
        ep.write(ByteBuffer.wrap(d));
        synchronized (mux) {
          fwdCnt += d.length;
          if (state != State.CLOSED && creditUpdateDue()) {
            mux.queueControl(localPort, peerPort, OP_CREDIT_UPDATE, 0);
            mux.deliverToGuest();
          }
        }
      }
    } catch (IOException e) {
      synchronized (mux) {
        mux.closeConnection(this, true);
        mux.deliverToGuest();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "vsock connection " + Integer.toUnsignedString(localPort) + " <-> guest port "
        + Integer.toUnsignedString(peerPort) + " (" + state + ")";
  }
}
