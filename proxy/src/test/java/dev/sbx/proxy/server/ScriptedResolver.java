package dev.sbx.proxy.server;

import dev.sbx.proxy.net.IpLiterals;
import dev.sbx.proxy.net.NameResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test resolver: scripted answers per name and per call, counting every lookup (§5). */
final class ScriptedResolver implements NameResolver {
  final List<String> calls = new CopyOnWriteArrayList<>();
  private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
  private final Map<String, Integer> served = new ConcurrentHashMap<>();
  volatile boolean hang;

  /** Each call for {@code name} gets the next answer; the last repeats. "NX" = NXDOMAIN. */
  ScriptedResolver answer(String name, String... perCall) {
    answers.put(name, List.of(perCall));
    return this;
  }

  @Override
  public List<InetAddress> resolve(String host) throws UnknownHostException {
    calls.add(host);
    if (hang) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<String> a = answers.get(host);
    if (a == null) {
      throw new UnknownHostException(host);
    }
    int i = served.merge(host, 1, Integer::sum) - 1;
    String answer = a.get(Math.min(i, a.size() - 1));
    if (answer.equals("NX")) {
      throw new UnknownHostException(host);
    }
    List<InetAddress> out = new ArrayList<>();
    for (String s : answer.split(" ")) {
      out.add(IpLiterals.toAddress(s.contains(":") ? IpLiterals.parseIpv6(s) : IpLiterals.parseIpv4(s)));
    }
    return out;
  }
}
