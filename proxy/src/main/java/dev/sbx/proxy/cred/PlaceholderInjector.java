package dev.sbx.proxy.cred;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Replaces the placeholder with the real secret in the service's header slot, and only there
 * (proxy-threats.md L13, L14): {@code x-api-key: proxy-managed}, {@code Authorization: Bearer
 * proxy-managed}, GitHub's {@code token proxy-managed} or Basic with password
 * {@code proxy-managed}. Any other value, OAuth tokens included, passes untouched.
 */
public final class PlaceholderInjector {
  public static final String PLACEHOLDER = "proxy-managed";

  private PlaceholderInjector() {}

  /**
   * Rewrites {@code headers} in place. If any client copy of the header holds the placeholder,
   * every copy is removed and exactly one with the secret is added.
   *
   * @return true if the secret was injected
   */
  public static boolean inject(HttpHeaders headers, Service service, String secret) {
    return inject(headers, headers, service, secret);
  }

  /**
   * Looks for the placeholder in the client's {@code original} headers and writes the result
   * into {@code out} (the hop-by-hop-stripped copy), so {@code Connection: x-api-key} can
   * neither remove the injected header nor let a client copy ride along.
   */
  public static boolean inject(HttpHeaders original, HttpHeaders out, Service service, String secret) {
    String replacement = null;
    for (String v : original.getAll(service.header())) {
      replacement = substitute(v, service, secret);
      if (replacement != null) {
        break;
      }
    }
    if (replacement == null) {
      return false;
    }
    out.remove(service.header());
    out.add(service.header(), replacement);
    return true;
  }

  /** The value with the secret in place of the placeholder, or null if the slot has none. */
  static String substitute(String value, Service service, String secret) {
    if (service.schemes().isEmpty()) {
      return value.equals(PLACEHOLDER) ? secret : null;
    }
    int sp = value.indexOf(' ');
    if (sp <= 0) {
      return null;
    }
    String scheme = value.substring(0, sp);
    String rest = value.substring(sp + 1);
    for (String allowed : service.schemes()) {
      if (!allowed.equalsIgnoreCase(scheme)) {
        continue;
      }
      if (allowed.equalsIgnoreCase("Basic")) {
        return basic(scheme, rest, secret);
      }
      return rest.equals(PLACEHOLDER) ? scheme + " " + secret : null;
    }
    return null;
  }

  private static String basic(String scheme, String encoded, String secret) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0 || !decoded.substring(colon + 1).equals(PLACEHOLDER)) {
      return null;
    }
    String user = decoded.substring(0, colon);
    return scheme + " " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** Response headers that echo the exact secret get the placeholder instead (L15). */
  public static void scrub(HttpHeaders headers, String secret) {
    if (secret == null || secret.isEmpty()) {
      return;
    }
    for (String name : headers.names()) {
      List<String> values = headers.getAll(name);
      boolean hit = false;
      for (String v : values) {
        if (v.contains(secret)) {
          hit = true;
          break;
        }
      }
      if (hit) {
        headers.remove(name);
        for (String v : values) {
          headers.add(name, v.replace(secret, PLACEHOLDER));
        }
      }
    }
  }

}
