package dev.sbx.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** P93: leaves are minted once per name, off the caller's thread, into a bounded cache. */
class LeafCacheTest {
  @TempDir Path tmp;
  ProxyCa ca;
  ExecutorService minter;

  @BeforeEach
  void setUp() throws Exception {
    ca = ProxyCa.create("test CA", tmp.resolve("ca.pem"));
    minter = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "test-minter");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterEach
  void tearDown() {
    minter.shutdownNow();
  }

  @Test
  void p93TenThousandUniqueNamesStayWithinTheBoundWithOneMintEach() throws Exception {
    LeafCache cache = new LeafCache(ca, minter, 1000);
    List<CompletableFuture<SslContext>> pending = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      pending.add(cache.get("n" + i + ".ghe.example"));
      assertTrue(cache.size() <= 1000, "cache grew to " + cache.size());
      if (pending.size() == 256) { // keep the minter queue short, as connection limits would
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        pending.clear();
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertEquals(10_000, cache.mints());
    assertEquals(1000, cache.size());
    // the most recent names are cached: asking again mints nothing
    for (int i = 9_000; i < 10_000; i++) {
      cache.get("n" + i + ".ghe.example");
    }
    assertEquals(10_000, cache.mints());
    // the oldest were evicted: asking again mints a fresh leaf
    cache.get("n0.ghe.example").get(10, TimeUnit.SECONDS);
    assertEquals(10_001, cache.mints());
    assertEquals(1000, cache.size());
  }

  @Test
  void p93ConcurrentRequestsForOneNameShareOneMint() throws Exception {
    LeafCache cache = new LeafCache(ca, minter, 10);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<SslContext>> got = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          CompletableFuture<SslContext> f = cache.get("api.ghe.example");
          synchronized (got) {
            got.add(f);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    SslContext first = got.get(0).get(10, TimeUnit.SECONDS);
    for (CompletableFuture<SslContext> f : got) {
      assertSame(first, f.get(10, TimeUnit.SECONDS));
    }
    assertEquals(1, cache.mints());
  }

  @Test
  void p93MintingNeverRunsOnTheCallersThread() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    ExecutorService gated = Executors.newSingleThreadExecutor();
    try {
      // a minter that cannot start until released: get() must still return at once
      LeafCache cache = new LeafCache(ca, r -> gated.execute(() -> {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        r.run();
      }), 10);
      Thread caller = Thread.currentThread();
      CompletableFuture<SslContext> f = cache.get("slow.ghe.example");
      assertFalse(f.isDone(), "get() waited for the mint");
      gate.countDown();
      CompletableFuture<Thread> mintedOn = f.thenApply(x -> Thread.currentThread());
      assertNotSame(caller, mintedOn.get(10, TimeUnit.SECONDS));
      assertEquals(1, cache.mints());
    } finally {
      gated.shutdownNow();
    }
  }
}
