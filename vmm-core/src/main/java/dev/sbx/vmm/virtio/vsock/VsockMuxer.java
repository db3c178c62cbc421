package dev.sbx.vmm.virtio.vsock;

import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vsock connection table and everything around it (Firecracker's {@code unix/muxer.rs}):
 * checks each guest packet's header and routes it to its {@link VsockConnection} (or answers RST),
 * opens connections the guest asks for (an in-process {@link VsockHandler}, else the Unix socket
 * {@code <uds>_<port>}), listens on {@code uds} for host connections ({@code CONNECT <port>\n}), and
 * keeps what waits for the guest's RX queue: control packets (at most {@link #MAX_CONTROL}) and
 * connections with host data, which the device pulls with {@link #hasRxPending} and
 * {@link #writeRx}.
 *
 * <p>This object's monitor guards the muxer, its connections and the device's RX path: connection
 * threads take it, wait on it for their data to reach the guest, and then ask the device to fill RX
 * buffers ({@code deliverToGuest}) while holding it.
 */
final class VsockMuxer {
  private static final Logger log = LoggerFactory.getLogger(VsockMuxer.class);
  static final int FIRST_HOST_PORT = 1 << 30;
  static final int MAX_CONTROL = 4096;
  private static final int MAX_CONNECT_LINE = 32;
  static final long CONNECT_TIMEOUT_SECONDS = 10;

  private final long guestCid;
  private final Path uds;
  private final int maxConnections;
  private final ServerSocketChannel listener;
  /** Fills the guest's RX queue from {@link #writeRx}; called with this monitor held. */
  private final Runnable deliverToGuest;
  private final Map<Integer, VsockHandler> handlers = new ConcurrentHashMap<>();
  private final Map<Long, VsockConnection> conns = new HashMap<>();
  /** Control packets for the guest: local port, peer port, op, flags. */
  private final ArrayDeque<long[]> control = new ArrayDeque<>();
  /** Open connections with host data for the guest, each at most once ({@link VsockConnection#queuedForRx}). */
  private final ArrayDeque<VsockConnection> ready = new ArrayDeque<>();
  private boolean active;
  private int nextHostPort = FIRST_HOST_PORT;
  private volatile boolean closed;

  /**
   * @param uds the host-side Unix socket (created here; must not exist), or null for in-process
   *     handlers only
   * @param deliverToGuest moves waiting packets into the guest's RX buffers; runs with this monitor held
   */
  VsockMuxer(long guestCid, Path uds, int maxConnections, Runnable deliverToGuest) throws IOException {
    this.guestCid = guestCid;
    this.uds = uds;
    this.maxConnections = maxConnections;
    this.deliverToGuest = deliverToGuest;
    ServerSocketChannel l = null;
    if (uds != null) {
      if (Files.exists(uds)) {
        throw new IOException("vsock socket " + uds + " already exists; remove it or choose another path");
      }
      l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      l.bind(UnixDomainSocketAddress.of(uds));
    }
    this.listener = l;
  }

  /** Starts accepting host connections on {@code uds}, if there is one. */
  void startAccepting() {
    if (listener != null) {
      Thread t = new Thread(this::acceptLoop, "vsock-accept");
      t.setDaemon(true);
      t.start();
    }
  }

  void registerHandler(int port, VsockHandler handler) {
    handlers.put(port, handler);
  }

  /** The guest driver is up: host connections may be offered to it. */
  synchronized void activate() {
    active = true;
  }

  /** Closes every connection (no RST: the guest driver is gone) and forgets what waited for the guest. */
  synchronized void reset() {
    for (VsockConnection c : new ArrayList<>(conns.values())) {
      closeConnection(c, false);
    }
    control.clear();
    ready.clear();
    active = false;
  }

  /** Stops listening and removes the socket file; {@link #reset} first. */
  void close() {
    closed = true;
    if (listener != null) {
      closeQuietly(listener);
      try {
        Files.deleteIfExists(uds);
      } catch (IOException e) {
        log.warn("cannot remove {}: {}", uds, e.getMessage());
      }
    }
  }

  synchronized int connectionCount() {
    return conns.size();
  }

  /** Connections in the ready queue, for tests. */
  synchronized int readyCount() {
    return ready.size();
  }

  /** Control packets waiting for the guest, for tests. */
  synchronized int pendingControl() {
    return control.size();
  }

  private static long key(int localPort, int peerPort) {
    return ((long) localPort << 32) | Integer.toUnsignedLong(peerPort);
  }

  // ---- guest to host ----

  /**
   * Handles one packet from the guest; {@code payload} is the rest of its chain. Every field is
   * hostile: packets not from the guest's CID to the host are dropped; a bad length or type, or a
   * packet for no connection, gets RST (never in answer to an RST).
   */
  synchronized void fromGuest(VsockHeader h, ChainReader payload) {
    long len = Integer.toUnsignedLong(h.len());
    if (h.srcCid() != guestCid || h.dstCid() != VsockDevice.HOST_CID) {
      log.debug("vsock packet from cid {} to cid {} dropped", h.srcCid(), h.dstCid());
      return;
    }
    VsockConnection conn = conns.get(key(h.dstPort(), h.srcPort()));
    if (len > VsockDevice.MAX_PAYLOAD || len > payload.remaining() || h.type() != TYPE_STREAM) {
      log.debug("bad vsock packet (len {}, {} bytes present, type {}); resetting", len, payload.remaining(),
          h.type());
      if (conn != null) {
        closeConnection(conn, true);
      } else if (h.op() != OP_RST) {
        queueControl(h.dstPort(), h.srcPort(), OP_RST, 0);
      }
      return;
    }
    if (conn == null) {
      if (h.op() == OP_REQUEST) {
        openFromGuest(h);
      } else if (h.op() != OP_RST) {
        queueControl(h.dstPort(), h.srcPort(), OP_RST, 0);
      }
      return;
    }
    conn.onGuestPacket(h, payload);
  }

  private void openFromGuest(VsockHeader h) {
    int port = h.dstPort();
    if (conns.size() >= maxConnections) {
      log.warn("vsock connection limit {} reached; refusing guest port {}", maxConnections, h.srcPort());
      queueControl(port, h.srcPort(), OP_RST, 0);
      return;
    }
    Supplier<HostEndpoint> endpoint;
    VsockHandler handler = handlers.get(port);
    if (handler != null) {
      endpoint = () -> {
        try {
          Pipe toHandler = Pipe.open();
          Pipe fromHandler = Pipe.open();
          Thread t = new Thread(() -> {
            try (var ch = HostEndpoint.handlerChannel(toHandler, fromHandler)) {
              handler.handle(ch, h.srcPort());
            } catch (IOException | RuntimeException e) {
              log.debug("vsock handler for port {} ended: {}", port, e.toString());
            }
          }, "vsock-handler-" + Integer.toUnsignedString(port));
          t.setDaemon(true);
          t.start();
          return HostEndpoint.ofPipes(toHandler, fromHandler);
        } catch (IOException e) {
          return null;
        }
      };
    } else if (uds != null && Files.exists(Path.of(uds + "_" + Integer.toUnsignedString(port)))) {
      Path target = Path.of(uds + "_" + Integer.toUnsignedString(port));
      endpoint = () -> {
        try {
          return HostEndpoint.of(SocketChannel.open(UnixDomainSocketAddress.of(target)));
        } catch (IOException e) {
          log.debug("vsock: cannot connect to {}: {}", target, e.getMessage());
          return null;
        }
      };
    } else {
      queueControl(port, h.srcPort(), OP_RST, 0);
      return;
    }
    VsockConnection conn = VsockConnection.guestInitiated(this, h);
    conns.put(key(port, h.srcPort()), conn);
    conn.start(endpoint, null);
  }

  // ---- host to guest ----

  private void acceptLoop() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = listener.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("vsock accept on {} failed: {}", uds, e.getMessage());
        }
        return;
      }
      Thread t = new Thread(() -> connectFromHost(ch), "vsock-connect");
      t.setDaemon(true);
      t.start();
    }
  }

  /** Reads {@code CONNECT <port>\n} and asks the guest to accept. */
  private void connectFromHost(SocketChannel ch) {
    int port;
    try {
      port = readConnectLine(ch);
    } catch (IOException | IllegalArgumentException e) {
      log.debug("bad vsock CONNECT line: {}", e.getMessage());
      closeQuietly(ch);
      return;
    }
    synchronized (this) {
      if (!active || conns.size() >= maxConnections) {
        closeQuietly(ch);
        return;
      }
      int local = allocateHostPort(port);
      VsockConnection conn = VsockConnection.hostInitiated(this, local, port, HostEndpoint.of(ch));
      conns.put(key(local, port), conn);
      queueControl(local, port, OP_REQUEST, 0);
      deliverToGuest();
      // A guest that never answers must not hold the host socket and a connection slot forever.
      CompletableFuture.runAsync(() -> expire(conn),
          CompletableFuture.delayedExecutor(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
  }

  private synchronized void expire(VsockConnection conn) {
    if (conn.state() == VsockConnection.State.AWAIT_GUEST) {
      log.debug("guest port {} did not answer a host connection; giving up", conn.peerPort);
      closeConnection(conn, true);
      deliverToGuest();
    }
  }

  private static int readConnectLine(SocketChannel ch) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    StringBuilder line = new StringBuilder();
    while (true) {
      one.clear();
      if (ch.read(one) < 0) {
        throw new IOException("peer closed before the CONNECT line ended");
      }
      char c = (char) one.get(0);
      if (c == '\n') {
        break;
      }
      if (line.length() >= MAX_CONNECT_LINE) {
        throw new IOException("CONNECT line too long");
      }
      line.append(c);
    }
    String s = line.toString().trim();
    if (!s.startsWith("CONNECT ")) {
      throw new IllegalArgumentException("expected 'CONNECT <port>', got '" + s + "'");
    }
    return Integer.parseUnsignedInt(s.substring(8).trim());
  }

  /**
   * The next host port (2^30 up, wrapping) not in use with {@code peerPort}. The table holds fewer
   * than {@code maxConnections} entries here, so one of the next {@code maxConnections + 1} is free.
   */
  private int allocateHostPort(int peerPort) {
    for (int tries = 0; tries <= maxConnections; tries++) {
      int p = nextHostPort++;
      if (nextHostPort == 0) {
        nextHostPort = FIRST_HOST_PORT;
      }
      if (!conns.containsKey(key(p, peerPort))) {
        return p;
      }
    }
    throw new IllegalStateException("no free vsock host port below the connection limit");
  }

  // ---- what waits for the guest ----

  void queueControl(int localPort, int peerPort, int op, int flags) {
    assert Thread.holdsLock(this);
    if (control.size() >= MAX_CONTROL) {
      log.debug("vsock control queue full; dropping op {}", op);
      return;
    }
    control.add(new long[] {localPort, peerPort, op, flags});
  }

  void markReady(VsockConnection conn) {
    assert Thread.holdsLock(this);
    if (!conn.queuedForRx && conn.hasDataForGuest()) {
      conn.queuedForRx = true;
      ready.add(conn);
    }
  }

  /** Asks the device to move waiting packets into the guest's RX buffers; with this monitor held. */
  void deliverToGuest() {
    deliverToGuest.run();
  }

  /**
   * Whether a packet waits for the guest: a control packet, or a connection with data and credit.
   * Drops ready connections that have nothing to send (each leaves the queue once, so this is
   * bounded by the queue's length).
   */
  boolean hasRxPending() {
    assert Thread.holdsLock(this);
    while (control.isEmpty() && !ready.isEmpty()) {
      VsockConnection c = ready.peek();
      if (c.canSendToGuest()) {
        return true;
      }
      ready.poll();
      c.queuedForRx = false;
    }
    return !control.isEmpty();
  }

  /**
   * Writes the next waiting packet into {@code w}, which has room for at least a header: control
   * packets first, then connection data within the guest's credit. Call after {@link
   * #hasRxPending} said there is one; otherwise nothing is written.
   */
  void writeRx(ChainWriter w) {
    assert Thread.holdsLock(this);
    if (!control.isEmpty()) {
      long[] p = control.poll();
      VsockConnection conn = conns.get(key((int) p[0], (int) p[1]));
      w.write(header(conn, (int) p[0], (int) p[1], (int) p[2], (int) p[3], 0).encode());
      return;
    }
    VsockConnection data = ready.peek();
    if (data == null || !data.canSendToGuest()) {
      return;
    }
    if (data.writeDataPacket(w)) {
      ready.poll();
      data.queuedForRx = false;
      notifyAll();
    }
  }

  /** A header from the host to the guest; {@code conn} (null for none) supplies the credit fields. */
  VsockHeader header(VsockConnection conn, int localPort, int peerPort, int op, int flags, int len) {
    int fwd = conn == null ? 0 : conn.fwdCntForGuest();
    return new VsockHeader(VsockDevice.HOST_CID, guestCid, localPort, peerPort, len, TYPE_STREAM, op, flags,
        VsockConnection.BUF_ALLOC, fwd);
  }

  void closeConnection(VsockConnection conn, boolean rst) {
    closeConnection(conn, rst, false);
  }

  /** Ends a connection; {@code flush} lets the writer deliver queued guest data before closing the host side. */
  void closeConnection(VsockConnection conn, boolean rst, boolean flush) {
    assert Thread.holdsLock(this);
    if (!conn.close(flush)) {
      return;
    }
    conns.remove(key(conn.localPort, conn.peerPort));
    // Out of the ready queue too, so it only ever holds open connections (at most maxConnections),
    // even while the guest posts no RX buffers.
    if (conn.queuedForRx) {
      ready.remove(conn);
      conn.queuedForRx = false;
    }
    if (rst) {
      queueControl(conn.localPort, conn.peerPort, OP_RST, 0);
    }
    notifyAll();
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing left to release.
    }
  }
}
