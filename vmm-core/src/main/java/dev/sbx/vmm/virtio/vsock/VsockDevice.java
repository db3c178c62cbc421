package dev.sbx.vmm.virtio.vsock;

import static dev.sbx.vmm.virtio.vsock.VsockHeader.*;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.DescriptorChain;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioException;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-vsock (device 19), stream sockets only, with Firecracker's host-side conventions:
 * the host connects to the Unix socket {@code uds} and sends {@code CONNECT <port>\n}, answered
 * with {@code OK <host port>\n} once the guest accepts; a guest connecting to host port P reaches
 * the in-process {@link VsockHandler} registered for P, else the Unix socket {@code <uds>_P}, else
 * gets RST. Credit-based flow control in both directions: the guest can never make the device
 * buffer more than {@link #BUF_ALLOC} bytes per connection, and the device never sends more than
 * the guest's advertised credit.
 *
 * <p>Each chain is a byte stream (vmm-facts §3.3): the header is the first 44 bytes wherever they
 * fall, the payload the next {@code len} bytes, so header and data in one descriptor, in two, or
 * split over many all work. All state is guarded by this object's monitor; each connection has a
 * reader thread (host to guest) and a writer thread (guest to host).
 */
public final class VsockDevice implements VirtioDevice {
  private static final Logger log = LoggerFactory.getLogger(VsockDevice.class);
  public static final int TYPE = 19;
  public static final long HOST_CID = 2;
  static final int RX = 0;
  static final int TX = 1;
  static final int EVENT = 2;
  static final int QUEUE_SIZE = 256;
  static final int MAX_PAYLOAD = 64 * 1024;
  /** Receive buffer per connection that the device advertises to the guest. */
  static final int BUF_ALLOC = 256 * 1024;
  public static final int DEFAULT_MAX_CONNECTIONS = 128;
  static final int FIRST_HOST_PORT = 1 << 30;
  static final int MAX_CONTROL = 4096;
  private static final int MAX_CONNECT_LINE = 32;
  static final long CONNECT_TIMEOUT_SECONDS = 10;
  private static final byte[] SHUTDOWN_MARK = new byte[0];
  private static final byte[] CLOSE_MARK = new byte[0];

  private final long guestCid;
  private final Path uds;
  private final int maxConnections;
  private final ServerSocketChannel listener;
  private final Map<Integer, VsockHandler> handlers = new ConcurrentHashMap<>();
  private final Map<Long, Connection> conns = new HashMap<>();
  private final ArrayDeque<long[]> control = new ArrayDeque<>();
  private final ArrayDeque<Connection> ready = new ArrayDeque<>();
  private List<Virtqueue> queues = List.of();
  private VirtioInterrupt interrupt;
  private boolean active;
  private int nextHostPort = FIRST_HOST_PORT;
  private volatile boolean closed;

  private VsockDevice(long guestCid, Path uds, int maxConnections, ServerSocketChannel listener) {
    this.guestCid = guestCid;
    this.uds = uds;
    this.maxConnections = maxConnections;
    this.listener = listener;
  }

  /**
   * @param uds the host-side Unix socket (created here; must not exist), or null for in-process
   *     handlers only
   */
  public static VsockDevice create(long guestCid, Path uds, int maxConnections) throws IOException {
    if (guestCid < 3 || guestCid >= 0xffffffffL) {
      throw new IllegalArgumentException("guest CID " + guestCid + " is reserved; use 3 or more (below 2^32-1)");
    }
    ServerSocketChannel l = null;
    if (uds != null) {
      if (Files.exists(uds)) {
        throw new IOException("vsock socket " + uds + " already exists; remove it or choose another path");
      }
      l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      l.bind(UnixDomainSocketAddress.of(uds));
    }
    VsockDevice d = new VsockDevice(guestCid, uds, maxConnections, l);
    if (l != null) {
      Thread t = new Thread(d::acceptLoop, "vsock-accept");
      t.setDaemon(true);
      t.start();
    }
    return d;
  }

  /** Serves guest connections to host port {@code port} in-process. */
  public void registerHandler(int port, VsockHandler handler) {
    handlers.put(port, handler);
  }

  public long guestCid() {
    return guestCid;
  }

  @Override
  public int deviceType() {
    return TYPE;
  }

  @Override
  public long features() {
    return VirtioFeatures.RING_FEATURES;
  }

  @Override
  public int queueCount() {
    return 3;
  }

  @Override
  public int queueMaxSize(int index) {
    return QUEUE_SIZE;
  }

  @Override
  public int maxChainBytes() {
    return MAX_PAYLOAD + 4096;
  }

  @Override
  public int configSize() {
    return 8;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    for (int i = 0; i < dst.length; i++) {
      int o = offset + i;
      dst[i] = o >= 0 && o < 8 ? (byte) (guestCid >>> (8 * o)) : 0;
    }
  }

  @Override
  public synchronized void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {
    this.queues = queues;
    this.interrupt = interrupt;
    this.active = true;
  }

  @Override
  public synchronized void queueNotified(int index) {
    if (!active) {
      return;
    }
    if (index == TX) {
      Virtqueue tx = queues.get(TX);
      tx.drain(c -> {
        fromGuest(c);
        tx.addUsed(c.head(), 0);
      });
      if (tx.needsInterrupt()) {
        interrupt.signalUsedBuffer(TX);
      }
    }
    pump();
  }

  private static long key(int localPort, int peerPort) {
    return ((long) localPort << 32) | Integer.toUnsignedLong(peerPort);
  }

  // ---- guest to host ----

  private void fromGuest(DescriptorChain c) {
    ChainReader r = c.reader();
    if (r.remaining() < SIZE) {
      log.debug("vsock packet shorter than its header; dropped");
      return;
    }
    VsockHeader h = VsockHeader.parse(r.readBytes(SIZE));
    long len = Integer.toUnsignedLong(h.len());
    if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
      log.debug("vsock packet from cid {} to cid {} dropped", h.srcCid(), h.dstCid());
      return;
    }
    Connection conn = conns.get(key(h.dstPort(), h.srcPort()));
    if (len > MAX_PAYLOAD || len > r.remaining() || h.type() != TYPE_STREAM) {
      log.debug("bad vsock packet (len {}, {} bytes present, type {}); resetting", len, r.remaining(), h.type());
      if (conn != null) {
        close(conn, true);
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
    conn.peerBufAlloc = h.bufAlloc();
    conn.peerFwdCnt = h.fwdCnt();
    markReady(conn);
    switch (h.op()) {
      case OP_RESPONSE -> {
        if (conn.state != State.AWAIT_GUEST) {
          close(conn, true);
          return;
        }
        conn.state = State.ESTABLISHED;
        conn.start(null, ("OK " + Integer.toUnsignedString(conn.localPort) + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      case OP_RW -> {
        if (conn.state != State.ESTABLISHED) {
          close(conn, true);
          return;
        }
        int n = (int) len;
        // The guest may not send more than the credit we gave it.
        if (n > BUF_ALLOC - (conn.rxCnt - conn.fwdCnt)) {
          log.warn("guest port {} overran its vsock credit; resetting", conn.peerPort);
          close(conn, true);
          return;
        }
        if (n > 0) {
          conn.rxCnt += n;
          conn.toHost.add(r.readBytes(n));
        }
      }
      case OP_SHUTDOWN -> {
        if ((h.flags() & SHUTDOWN_SEND) != 0) {
          conn.toHost.add(SHUTDOWN_MARK);
        }
        if ((h.flags() & SHUTDOWN_RCV) != 0) {
          conn.peerStopped = true;
        }
        if ((h.flags() & (SHUTDOWN_RCV | SHUTDOWN_SEND)) == (SHUTDOWN_RCV | SHUTDOWN_SEND)) {
          // The guest is done: deliver what it already sent, then close the host side.
          close(conn, true, true);
        }
      }
      case OP_CREDIT_UPDATE -> markReady(conn);
      case OP_CREDIT_REQUEST -> queueControl(conn.localPort, conn.peerPort, OP_CREDIT_UPDATE, 0);
      case OP_RST -> close(conn, false);
      default -> close(conn, true);
    }
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
    Connection conn = new Connection(port, h.srcPort(), State.CONNECTING_HOST);
    conn.peerBufAlloc = h.bufAlloc();
    conn.peerFwdCnt = h.fwdCnt();
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
      Connection conn = new Connection(local, port, State.AWAIT_GUEST);
      conn.host = HostEndpoint.of(ch);
      conns.put(key(local, port), conn);
      queueControl(local, port, OP_REQUEST, 0);
      pump();
      // A guest that never answers must not hold the host socket and a connection slot forever.
      CompletableFuture.runAsync(() -> expire(conn),
          CompletableFuture.delayedExecutor(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
  }

  private synchronized void expire(Connection conn) {
    if (!conn.closed && conn.state == State.AWAIT_GUEST) {
      log.debug("guest port {} did not answer a host connection; giving up", conn.peerPort);
      close(conn, true);
      pump();
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

  private int allocateHostPort(int peerPort) {
    while (true) {
      int p = nextHostPort++;
      if (nextHostPort == 0) {
        nextHostPort = FIRST_HOST_PORT;
      }
      if (!conns.containsKey(key(p, peerPort))) {
        return p;
      }
    }
  }

  private void queueControl(int localPort, int peerPort, int op, int flags) {
    if (control.size() >= MAX_CONTROL) {
      log.debug("vsock control queue full; dropping op {}", op);
      return;
    }
    control.add(new long[] {localPort, peerPort, op, flags});
  }

  private void markReady(Connection conn) {
    if (!conn.inReady && conn.outbox != null && conn.outbox.hasRemaining()) {
      conn.inReady = true;
      ready.add(conn);
    }
  }

  /** Fills guest RX buffers with queued control packets, then with connection data within credit. */
  private void pump() {
    if (!active) {
      return;
    }
    Virtqueue rx = queues.get(RX);
    boolean any = false;
    while (!control.isEmpty() || !ready.isEmpty()) {
      Connection data = null;
      if (control.isEmpty()) {
        data = ready.peek();
        if (data.closed || data.outbox == null || !data.outbox.hasRemaining() || data.peerFree() <= 0) {
          ready.poll();
          data.inReady = false;
          continue;
        }
      }
      DescriptorChain c = rx.pop();
      if (c == null) {
        if (rx.enableNotification()) {
          continue;
        }
        break;
      }
      any = true;
      if (c.writableBytes() < SIZE) {
        rx.addUsed(c.head(), 0);
        continue;
      }
      try {
        if (data == null) {
          long[] p = control.poll();
          Connection conn = conns.get(key((int) p[0], (int) p[1]));
          c.writer().write(header(conn, (int) p[0], (int) p[1], (int) p[2], (int) p[3], 0).encode());
        } else {
          int n = Math.min(Math.min(data.outbox.remaining(), c.writableBytes() - SIZE),
              Math.min(data.peerFree(), MAX_PAYLOAD));
          c.writer().write(header(data, data.localPort, data.peerPort, OP_RW, 0, n).encode());
          byte[] b = new byte[n];
          data.outbox.get(b);
          c.writer().write(b);
          data.txCnt += n;
          if (!data.outbox.hasRemaining()) {
            ready.poll();
            data.inReady = false;
            notifyAll();
          }
        }
      } catch (VirtioException e) {
        log.debug("vsock rx buffer unusable: {}", e.getMessage());
      }
      rx.addUsed(c);
    }
    if (any && rx.needsInterrupt()) {
      interrupt.signalUsedBuffer(RX);
    }
  }

  private VsockHeader header(Connection conn, int localPort, int peerPort, int op, int flags, int len) {
    int fwd = 0;
    if (conn != null) {
      fwd = conn.fwdCnt;
      conn.lastFwdSent = fwd;
    }
    return new VsockHeader(HOST_CID, guestCid, localPort, peerPort, len, TYPE_STREAM, op, flags, BUF_ALLOC, fwd);
  }

  private void close(Connection conn, boolean rst) {
    close(conn, rst, false);
  }

  /** Ends a connection; {@code flush} lets the writer deliver queued guest data before closing the host side. */
  private void close(Connection conn, boolean rst, boolean flush) {
    if (conn.closed) {
      return;
    }
    conn.closed = true;
    conns.remove(key(conn.localPort, conn.peerPort));
    conn.toHost.add(CLOSE_MARK);
    if (conn.host != null && (!flush || conn.state != State.ESTABLISHED)) {
      conn.host.close();
    }
    if (rst) {
      queueControl(conn.localPort, conn.peerPort, OP_RST, 0);
    }
    notifyAll();
  }

  enum State {
    /** The device is connecting to the host service before answering the guest. */
    CONNECTING_HOST,
    /** The host connected; the guest has not answered the REQUEST yet. */
    AWAIT_GUEST,
    ESTABLISHED
  }

  /** One stream between a guest port and a host endpoint; fields guarded by the device. */
  private final class Connection {
    final int localPort;
    final int peerPort;
    State state;
    HostEndpoint host;
    boolean closed;
    boolean peerStopped;
    boolean inReady;
    int peerBufAlloc;
    int peerFwdCnt;
    int txCnt;
    int rxCnt;
    int fwdCnt;
    int lastFwdSent;
    ByteBuffer outbox;
    final LinkedBlockingQueue<byte[]> toHost = new LinkedBlockingQueue<>();

    Connection(int localPort, int peerPort, State state) {
      this.localPort = localPort;
      this.peerPort = peerPort;
      this.state = state;
    }

    /** Bytes the guest can still take: its buffer minus what is in flight. */
    int peerFree() {
      return peerStopped ? 0 : peerBufAlloc - (txCnt - peerFwdCnt);
    }

    /**
     * Starts the reader and writer threads; {@code endpoint} (guest-initiated) connects to the
     * host service first, {@code greeting} (host-initiated) goes to the host before any data.
     */
    void start(Supplier<HostEndpoint> endpoint, byte[] greeting) {
      String name = "vsock-" + Integer.toUnsignedString(localPort) + "-" + Integer.toUnsignedString(peerPort);
      Thread reader = new Thread(() -> readLoop(endpoint, greeting), name + "-in");
      reader.setDaemon(true);
      reader.start();
    }

    private void readLoop(Supplier<HostEndpoint> endpoint, byte[] greeting) {
      HostEndpoint h;
      synchronized (VsockDevice.this) {
        h = host;
      }
      if (endpoint != null) {
        h = endpoint.get();
        synchronized (VsockDevice.this) {
          if (closed) {
            if (h != null) {
              h.close();
            }
            return;
          }
          if (h == null) {
            close(this, true);
            pump();
            return;
          }
          host = h;
          state = State.ESTABLISHED;
          queueControl(localPort, peerPort, OP_RESPONSE, 0);
          pump();
        }
      }
      HostEndpoint ep = h;
      Thread writer = new Thread(() -> writeLoop(ep, greeting), Thread.currentThread().getName() + "-out");
      writer.setDaemon(true);
      writer.start();
      ByteBuffer buf = ByteBuffer.allocate(MAX_PAYLOAD);
      while (true) {
        synchronized (VsockDevice.this) {
          while (!closed && outbox != null && outbox.hasRemaining()) {
            try {
              VsockDevice.this.wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          if (closed) {
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
        synchronized (VsockDevice.this) {
          if (closed) {
            return;
          }
          if (n < 0) {
            // The host is done sending (it may still read): the guest sees EOF and closes when
            // it is done too; a host that closed outright makes the next write fail and reset.
            queueControl(localPort, peerPort, OP_SHUTDOWN, SHUTDOWN_SEND);
            pump();
            return;
          }
          buf.flip();
          ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
          copy.put(buf).flip();
          outbox = copy;
          markReady(this);
          pump();
        }
      }
    }

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
          synchronized (VsockDevice.this) {
            fwdCnt += d.length;
            // Tell the guest about freed space once its view of our buffer is half used.
            if (!closed && rxCnt - lastFwdSent >= BUF_ALLOC / 2 && fwdCnt != lastFwdSent) {
              queueControl(localPort, peerPort, OP_CREDIT_UPDATE, 0);
              pump();
            }
          }
        }
      } catch (IOException e) {
        synchronized (VsockDevice.this) {
          close(this, true);
          pump();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public synchronized void reset() {
    for (Connection c : new ArrayList<>(conns.values())) {
      close(c, false);
    }
    control.clear();
    ready.clear();
    active = false;
    queues = List.of();
    interrupt = null;
  }

  /** Open connections, for tests and diagnostics. */
  public synchronized int connectionCount() {
    return conns.size();
  }

  @Override
  public void close() {
    closed = true;
    reset();
    if (listener != null) {
      closeQuietly(listener);
      try {
        Files.deleteIfExists(uds);
      } catch (IOException e) {
        log.warn("cannot remove {}: {}", uds, e.getMessage());
      }
    }
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing left to release.
    }
  }

  @Override
  public String toString() {
    return "virtio-vsock(cid " + guestCid + (uds == null ? "" : ", " + uds) + ")";
  }
}
