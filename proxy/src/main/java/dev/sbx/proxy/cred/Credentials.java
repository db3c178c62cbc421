package dev.sbx.proxy.cred;

import dev.sbx.proxy.policy.Destination;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials in force for one sandbox: each service that has a secret (the sandbox's own
 * value wins over the global one). Immutable; the proxy swaps whole snapshots on reload.
 */
public final class Credentials {

  /** A service bound to a destination, with the secret to inject. */
  public record Binding(Service service, String secret) {
    @Override
    public String toString() {
      return "Binding[" + service.name() + "]";
    }
  }

  private final List<Binding> bindings;

  private Credentials(List<Binding> bindings) {
    this.bindings = List.copyOf(bindings);
  }

  public static Credentials none() {
    return new Credentials(List.of());
  }

  public static Credentials of(List<Service> services, List<SecretStore.Secret> secrets, String sandbox) {
    Map<String, String> values = new HashMap<>();
    for (SecretStore.Secret s : secrets) {
      if (s.sandbox() == null) {
        values.putIfAbsent(s.service(), s.value());
      }
    }
    for (SecretStore.Secret s : secrets) {
      if (sandbox != null && sandbox.equals(s.sandbox())) {
        values.put(s.service(), s.value());
      }
    }
    List<Binding> out = new ArrayList<>();
    for (Service svc : services) {
      String v = values.get(svc.name());
      if (v != null) {
        out.add(new Binding(svc, v));
      }
    }
    return new Credentials(out);
  }

  /** The binding for this destination (first service listing it), or null: then no interception. */
  public Binding bindingFor(Destination d) {
    if (d.kind() != Destination.Kind.NAME) {
      return null;
    }
    for (Binding b : bindings) {
      if (b.service().binds(d)) {
        return b;
      }
    }
    return null;
  }

  public List<Binding> bindings() {
    return bindings;
  }
}
