package dev.sbx.vmm.os.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread waiting with epoll on a set of file descriptors (eventfds: KVM ioeventfds,
 * vhost-user kicks) and running each one's handler when it becomes readable. Handlers run on the
 * loop thread, one at a time; an exception in a handler is logged and the loop goes on.
 */
public final class EventLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  private static final int MAX_EVENTS = 32;

  private final int epfd;
  private final EventFd wakeup;
  private final Map<Long, Runnable> handlers = new ConcurrentHashMap<>();
  private final Map<Integer, Long> tokens = new ConcurrentHashMap<>();
  private final AtomicLong nextToken = new AtomicLong(1);
  private final Thread thread;
  private volatile boolean running = true;

  public EventLoop(String name) throws IOException {
    try {
      this.epfd = LinuxLibC.epoll_create1(LinuxLibC.EPOLL_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("epoll_create1 failed: " + LinuxLibC.describe(e));
    }
    this.wakeup = EventFd.create();
    add(wakeup.fd(), 0);
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Runs {@code handler} on the loop thread whenever {@code fd} is readable (level-triggered). */
  public void register(int fd, Runnable handler) throws IOException {
    long token = nextToken.getAndIncrement();
    handlers.put(token, handler);
    Long old = tokens.put(fd, token);
    if (old != null) {
      handlers.remove(old);
      del(fd);
    }
    add(fd, token);
  }

  /** Stops watching {@code fd}; the caller still owns it. */
  public void unregister(int fd) {
    Long token = tokens.remove(fd);
    if (token != null) {
      handlers.remove(token);
      del(fd);
    }
  }

  public boolean isLoopThread() {
    return Thread.currentThread() == thread;
  }

  private void add(int fd, long token) throws IOException {
    Memory ev = new Memory(LinuxLibC.EPOLL_EVENT_SIZE);
    ev.clear();
    ev.setInt(0, LinuxLibC.EPOLLIN);
    ev.setLong(LinuxLibC.EPOLL_DATA_OFFSET, token);
    try {
      LinuxLibC.epoll_ctl(epfd, LinuxLibC.EPOLL_CTL_ADD, fd, ev);
    } catch (LastErrorException e) {
      throw new IOException("epoll_ctl(ADD, " + fd + ") failed: " + LinuxLibC.describe(e));
    }
  }

  private void del(int fd) {
    try {
      LinuxLibC.epoll_ctl(epfd, LinuxLibC.EPOLL_CTL_DEL, fd, new Memory(LinuxLibC.EPOLL_EVENT_SIZE));
    } catch (LastErrorException e) {
      log.debug("epoll_ctl(DEL, {}): {}", fd, LinuxLibC.describe(e));
    }
  }

  private void run() {
    Memory events = new Memory((long) LinuxLibC.EPOLL_EVENT_SIZE * MAX_EVENTS);
    while (running) {
      int n;
      try {
        n = LinuxLibC.epoll_wait(epfd, events, MAX_EVENTS, -1);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibC.EINTR) {
          continue;
        }
        log.error("epoll_wait failed: {}", LinuxLibC.describe(e));
        return;
      }
      for (int i = 0; i < n && running; i++) {
        long token = events.getLong((long) i * LinuxLibC.EPOLL_EVENT_SIZE + LinuxLibC.EPOLL_DATA_OFFSET);
        if (token == 0) {
          wakeup.drain();
          continue;
        }
        Runnable h = handlers.get(token);
        if (h == null) {
          continue;
        }
        try {
          h.run();
        } catch (RuntimeException e) {
          log.error("event handler failed", e);
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    wakeup.signal();
    if (!isLoopThread()) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    wakeup.close();
    LinuxLibC.closeQuietly(epfd);
  }
}
