package dev.sbx.vmm.virtio.transport.vhostuser;

import static dev.sbx.vmm.virtio.transport.vhostuser.VhostUserProtocol.*;

import dev.sbx.vmm.os.linux.EventFd;
import dev.sbx.vmm.os.linux.EventLoop;
import dev.sbx.vmm.os.linux.FileDescriptors;
import dev.sbx.vmm.os.linux.UnixSocket;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one {@link VirtioDevice} to one vhost-user frontend connection (QEMU's
 * {@code vhost-user-blk}, {@code -vsock-device}, {@code -rng}, {@code -fs-device}). Messages are
 * handled on the calling thread; kicks on an {@link EventLoop} thread. Everything the frontend
 * sends is checked: payload sizes, ring indices, descriptor counts, addresses that must translate
 * through the memory table. A bad message gets a failure reply (with REPLY_ACK) or ends the
 * connection, never the process.
 */
public final class VhostUserBackend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VhostUserBackend.class);
  static final long PROTOCOL_FEATURES = (1L << PF_MQ) | (1L << PF_REPLY_ACK) | (1L << PF_CONFIG);

  private final VirtioDevice device;
  private final UnixSocket socket;
  private final EventLoop loop;
  private final Vring[] rings;
  private final List<VhostUserMemory> retiredMemory = new ArrayList<>();
  private final VirtioInterrupt interrupt = new Interrupt();
  private VhostUserMemory memory;
  private long ackedFeatures;
  private long protocolFeatures;
  private boolean active;

  private final class Vring {
    final Virtqueue queue;
    EventFd kick;
    EventFd call;
    EventFd err;
    boolean enabled;
    boolean running;
    long descUva;
    long availUva;
    long usedUva;

    Vring(Virtqueue queue) {
      this.queue = queue;
    }
  }

  public VhostUserBackend(VirtioDevice device, UnixSocket socket) throws IOException {
    this.device = device;
    this.socket = socket;
    this.loop = new EventLoop("vhost-user-" + device.deviceType());
    this.rings = new Vring[device.queueCount()];
    for (int i = 0; i < rings.length; i++) {
      // The frontend picks ring sizes (QEMU's vhost-user-rng uses 1024): allow any valid one.
      Virtqueue q = new Virtqueue(i, Virtqueue.MAX_SIZE, device.maxChainBytes());
      int idx = i;
      q.setBrokenListener(reason -> {
        log.warn("vring {} broken: {}", idx, reason);
        EventFd e = rings[idx].err;
        if (e != null) {
          e.signal();
        }
      });
      rings[i] = new Vring(q);
    }
  }

  /** Handles messages until the frontend disconnects (normal return) or breaks the protocol. */
  public void serve() throws IOException {
    byte[] header = new byte[HEADER_SIZE];
    while (true) {
      List<Integer> fds = new ArrayList<>();
      try {
        try {
          socket.receiveFully(header, 0, HEADER_SIZE, fds);
        } catch (EOFException e) {
          return;
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int request = h.getInt(0);
        int flags = h.getInt(4);
        int size = h.getInt(8);
        if ((flags & 3) != VERSION) {
          throw new IOException("vhost-user version " + (flags & 3) + " is not supported");
        }
        if (size < 0 || size > MAX_PAYLOAD) {
          throw new IOException("vhost-user message " + request + " has a payload of " + size + " bytes");
        }
        byte[] payload = new byte[size];
        socket.receiveFully(payload, 0, size, fds);
        ByteBuffer p = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        log.debug("vhost-user request {} flags 0x{} size {} fds {}", request, Integer.toHexString(flags), size,
            fds.size());
        boolean needReply = (flags & FLAG_NEED_REPLY) != 0 && (protocolFeatures & (1L << PF_REPLY_ACK)) != 0;
        boolean ok;
        synchronized (this) {
          try {
            ok = handle(request, p, fds, needReply);
          } catch (IndexOutOfBoundsException e) {
            // A payload shorter than its request needs: refuse it, keep serving.
            log.warn("vhost-user request {} with a short payload ({} bytes)", request, size);
            ok = false;
          }
        }
        if (needReply && !repliesItself(request)) {
          reply(request, u64(ok ? 0 : 1));
        }
      } finally {
        for (int fd : fds) {
          FileDescriptors.close(fd);
        }
      }
    }
  }

  private static boolean repliesItself(int request) {
    return request == GET_FEATURES || request == GET_PROTOCOL_FEATURES || request == GET_QUEUE_NUM
        || request == GET_VRING_BASE || request == GET_CONFIG;
  }

  /** Handles one message; fds it keeps are removed from {@code fds}. Returns success for REPLY_ACK. */
  private boolean handle(int request, ByteBuffer p, List<Integer> fds, boolean needReply) throws IOException {
    switch (request) {
      case GET_FEATURES:
        reply(request, u64(device.features() | VirtioFeatures.bit(F_PROTOCOL_FEATURES)));
        return true;
      case SET_FEATURES: {
        long f = u64(p);
        long offered = device.features() | VirtioFeatures.bit(F_PROTOCOL_FEATURES);
        if ((f & ~offered) != 0) {
          log.warn("frontend acked unoffered features 0x{}", Long.toHexString(f & ~offered));
          return false;
        }
        ackedFeatures = f;
        return true;
      }
      case GET_PROTOCOL_FEATURES:
        reply(request, u64(PROTOCOL_FEATURES));
        return true;
      case SET_PROTOCOL_FEATURES:
        protocolFeatures = u64(p) & PROTOCOL_FEATURES;
        return true;
      case GET_QUEUE_NUM:
        reply(request, u64(rings.length));
        return true;
      case SET_OWNER:
        return true;
      case RESET_OWNER:
        stopAll();
        return true;
      case SET_MEM_TABLE:
        return setMemTable(p, fds);
      case SET_VRING_NUM: {
        Vring r = ring(p, 8);
        if (r == null || r.running) {
          return false;
        }
        r.queue.setSize(p.getInt(4));
        return true;
      }
      case SET_VRING_ADDR:
        return setVringAddr(p);
      case SET_VRING_BASE: {
        Vring r = ring(p, 8);
        if (r == null || r.running) {
          return false;
        }
        r.queue.setNextAvail(p.getInt(4) & 0xffff);
        return true;
      }
      case GET_VRING_BASE: {
        Vring r = ring(p, 8);
        if (r == null) {
          throw new IOException("GET_VRING_BASE for a bad ring");
        }
        int index = p.getInt(0);
        stop(r);
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(r.queue.nextAvail());
        reply(request, b.array());
        return true;
      }
      case SET_VRING_KICK:
      case SET_VRING_CALL:
      case SET_VRING_ERR:
        return setVringFd(request, p, fds);
      case SET_VRING_ENABLE: {
        Vring r = ring(p, 8);
        if (r == null) {
          return false;
        }
        r.enabled = p.getInt(4) != 0;
        maybeStart(r);
        return true;
      }
      case GET_CONFIG:
        return getConfig(p);
      case SET_CONFIG: {
        if (p.capacity() < 12) {
          return false;
        }
        int offset = p.getInt(0);
        int size = p.getInt(4);
        if (offset < 0 || size < 0 || size > MAX_CONFIG || p.capacity() < 12 + size) {
          return false;
        }
        byte[] b = new byte[size];
        p.get(12, b);
        device.writeConfig(offset, b);
        return true;
      }
      default:
        log.debug("vhost-user request {} is not supported", request);
        return false;
    }
  }

  private Vring ring(ByteBuffer p, int minSize) {
    if (p.capacity() < minSize) {
      return null;
    }
    int index = p.getInt(0);
    return index >= 0 && index < rings.length ? rings[index] : null;
  }

  private boolean setMemTable(ByteBuffer p, List<Integer> fds) throws IOException {
    if (p.capacity() < 8) {
      return false;
    }
    int n = p.getInt(0);
    if (n < 1 || n > MAX_MEM_REGIONS || p.capacity() < 8 + 32 * n || fds.size() != n) {
      log.warn("bad SET_MEM_TABLE: {} regions, {} fds", n, fds.size());
      return false;
    }
    long[][] table = new long[n][4];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) {
        table[i][j] = p.getLong(8 + 32 * i + 8 * j);
      }
    }
    List<Integer> taken = new ArrayList<>(fds);
    fds.clear();
    VhostUserMemory next;
    try {
      next = VhostUserMemory.map(table, taken);
    } catch (IOException e) {
      log.warn("refusing SET_MEM_TABLE: {}", e.getMessage());
      return false;
    }
    boolean anyRunning = false;
    for (Vring r : rings) {
      anyRunning |= r.running;
    }
    if (anyRunning) {
      // Buffers over the old mapping may still be referenced by running rings: keep it until close.
      stopAll();
      if (memory != null) {
        retiredMemory.add(memory);
      }
    } else if (memory != null) {
      memory.close();
    }
    memory = next;
    return true;
  }

  private boolean setVringAddr(ByteBuffer p) {
    Vring r = ring(p, 40);
    if (r == null || r.running) {
      return false;
    }
    r.descUva = p.getLong(8);
    r.usedUva = p.getLong(16);
    r.availUva = p.getLong(24);
    return true;
  }

  private boolean setVringFd(int request, ByteBuffer p, List<Integer> fds) throws IOException {
    if (p.capacity() < 8) {
      return false;
    }
    long v = p.getLong(0);
    int index = (int) (v & 0xff);
    if (index >= rings.length) {
      return false;
    }
    Vring r = rings[index];
    EventFd fd = null;
    if ((v & VRING_NOFD) == 0) {
      if (fds.size() != 1) {
        return false;
      }
      fd = EventFd.adopt(fds.remove(0));
    }
    switch (request) {
      case SET_VRING_KICK -> {
        if (r.kick != null) {
          loop.unregister(r.kick.fd());
          r.kick.close();
        }
        r.kick = fd;
        if (fd == null) {
          log.warn("ring {} without a kick fd (polling) is not supported", index);
          return false;
        }
        if (r.running) {
          watchKick(r);
        } else {
          maybeStart(r);
        }
      }
      case SET_VRING_CALL -> {
        if (r.call != null) {
          r.call.close();
        }
        r.call = fd;
      }
      default -> {
        if (r.err != null) {
          r.err.close();
        }
        r.err = fd;
      }
    }
    return true;
  }

  private boolean getConfig(ByteBuffer p) throws IOException {
    if (p.capacity() < 12) {
      return false;
    }
    int offset = p.getInt(0);
    int size = p.getInt(4);
    if (offset < 0 || size < 0 || size > MAX_CONFIG || p.capacity() < 12 + size) {
      throw new IOException("bad GET_CONFIG offset " + offset + " size " + size);
    }
    byte[] cfg = new byte[size];
    device.readConfig(offset, cfg);
    ByteBuffer b = ByteBuffer.allocate(12 + size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(offset).putInt(size).putInt(p.getInt(8)).put(cfg);
    reply(GET_CONFIG, b.array());
    return true;
  }

  /** A ring runs once it has memory, addresses and a kick, and is enabled (or never can be). */
  private void maybeStart(Vring r) throws IOException {
    boolean protocol = VirtioFeatures.has(ackedFeatures, F_PROTOCOL_FEATURES);
    if (r.running || r.kick == null || memory == null || (protocol && !r.enabled)) {
      if (r.running && protocol && !r.enabled) {
        stop(r);
      }
      return;
    }
    long desc = memory.toGuest(r.descUva);
    long avail = memory.toGuest(r.availUva);
    long used = memory.toGuest(r.usedUva);
    if (desc < 0 || avail < 0 || used < 0) {
      r.queue.markBroken("ring addresses are outside the memory table");
      return;
    }
    r.queue.setDescAddr(desc);
    r.queue.setAvailAddr(avail);
    r.queue.setUsedAddr(used);
    long features = ackedFeatures & ~VirtioFeatures.bit(F_PROTOCOL_FEATURES);
    if (!r.queue.start(memory.guestMemory(), features, true)) {
      return;
    }
    r.running = true;
    if (!active) {
      List<Virtqueue> qs = new ArrayList<>();
      for (Vring v : rings) {
        qs.add(v.queue);
      }
      device.activate(features, qs, interrupt);
      active = true;
    }
    watchKick(r);
  }

  private void watchKick(Vring r) throws IOException {
    int index = r.queue.index();
    EventFd kick = r.kick;
    loop.register(kick.fd(), () -> {
      kick.drain();
      process(index);
    });
    // Buffers may already be waiting (a reconnect or a kick before we listened).
    kick.signal();
  }

  private void process(int index) {
    synchronized (this) {
      if (!rings[index].running) {
        return;
      }
      try {
        device.queueNotified(index);
      } catch (RuntimeException e) {
        log.error("{} failed on queue {}", device, index, e);
        rings[index].queue.markBroken("device error: " + e);
      }
    }
  }

  private void stop(Vring r) {
    if (r.kick != null) {
      loop.unregister(r.kick.fd());
    }
    r.queue.stop();
    r.running = false;
    boolean any = false;
    for (Vring v : rings) {
      any |= v.running;
    }
    if (!any && active) {
      device.reset();
      active = false;
    }
  }

  private void stopAll() {
    for (Vring r : rings) {
      stop(r);
    }
    if (active) {
      device.reset();
      active = false;
    }
  }

  private void reply(int request, byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(request).putInt(VERSION | FLAG_REPLY).putInt(payload.length).put(payload);
    socket.send(b.array());
  }

  private static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  private static long u64(ByteBuffer p) throws IOException {
    if (p.capacity() < 8) {
      throw new IOException("message too short for a u64");
    }
    return p.getLong(0);
  }

  private final class Interrupt implements VirtioInterrupt {
    @Override
    public void signalUsedBuffer(int queue) {
      EventFd call = queue < rings.length ? rings[queue].call : null;
      if (call != null) {
        call.signal();
      }
    }

    @Override
    public void signalConfigChange() {
      // Needs the backend request channel (BACKEND_REQ), which these devices do not use.
      log.debug("config change not forwarded over vhost-user");
    }
  }

  @Override
  public void close() {
    socket.shutdown();
    loop.close();
    synchronized (this) {
      stopAll();
      for (Vring r : rings) {
        for (EventFd fd : new EventFd[] {r.kick, r.call, r.err}) {
          if (fd != null) {
            fd.close();
          }
        }
        r.kick = r.call = r.err = null;
        r.queue.reset();
      }
      if (memory != null) {
        memory.close();
        memory = null;
      }
      retiredMemory.forEach(VhostUserMemory::close);
      retiredMemory.clear();
    }
    socket.close();
  }
}
