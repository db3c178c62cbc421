package dev.sbx.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;

/**
 * Server {@link SslContext}s for intercepted hosts (L10–L12): one leaf per host name, minted
 * once (single flight) off the event loop, kept in a bounded LRU cache. ALPN offers only
 * {@code http/1.1}; a client offering only h2 gets a fatal {@code no_application_protocol}.
 */
public final class LeafCache {
  private final ProxyCa ca;
  private final Executor minter;
  private final int capacity;
  private int mints;
  private final Map<String, CompletableFuture<SslContext>> cache;

  public LeafCache(ProxyCa ca, Executor minter, int capacity) {
    this.ca = ca;
    this.minter = minter;
    this.capacity = capacity;
    this.cache = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<SslContext>> eldest) {
        return size() > LeafCache.this.capacity;
      }
    };
  }

  public synchronized CompletableFuture<SslContext> get(String host) {
    CompletableFuture<SslContext> f = cache.get(host);
    if (f == null || f.isCompletedExceptionally()) {
      mints++;
      f = CompletableFuture.supplyAsync(() -> build(host), minter);
      cache.put(host, f);
    }
    return f;
  }

  /** How many leaves were minted (tests check one mint per name). */
  public synchronized int mints() {
    return mints;
  }

  public synchronized int size() {
    return cache.size();
  }

  private SslContext build(String host) {
    ProxyCa.Leaf leaf = ca.mintLeaf(host);
    try {
      return SslContextBuilder.forServer(leaf.key(), leaf.certificate(), leaf.issuer())
          .protocols("TLSv1.3", "TLSv1.2")
          .applicationProtocolConfig(new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT,
              ApplicationProtocolNames.HTTP_1_1))
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build TLS context for " + host + ": " + e.getMessage(), e);
    }
  }
}
