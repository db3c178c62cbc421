package dev.sbx.image;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Per-sandbox configuration for guest init, written to the config disk by {@link ConfigDisk}.
 * Everything here crosses into the guest as files; values that would break the line-based files
 * (newlines, NULs) are refused at construction.
 *
 * @param hostKey the guest sshd's private host key (OpenSSH PEM), empty to let the guest make one
 * @param authorizedKeys public keys allowed to log in as {@code agent}, one per line
 * @param proxyCa PEM certificate of the sandbox proxy's CA, empty when the proxy intercepts nothing
 * @param workspaces virtio-fs shares to mount at their host paths
 * @param environment variables for every session (placeholders, {@code -e} values)
 * @param testHook test builds only: a script init runs as root after the ready marker, and only
 *     when the kernel command line also has {@code sbx.test=1}
 */
public record GuestConfig(
    String hostKey,
    String authorizedKeys,
    String proxyCa,
    List<Workspace> workspaces,
    Map<String, String> environment,
    Optional<String> testHook) {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.-]{1,36}");

  /** A workspace share: virtio-fs tag, absolute guest path (= host path), read-only or not. */
  public record Workspace(String tag, String path, boolean readOnly) {
    public Workspace {
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("bad workspace tag '" + tag + "' (1-36 of A-Z a-z 0-9 _ . -)");
      }
      if (!path.startsWith("/") || path.contains("\n") || path.contains("\0")
          || path.equals("/") || List.of(path.split("/")).contains("..")) {
        throw new IllegalArgumentException("bad workspace path '" + path
            + "' (absolute, no '..', no newline)");
      }
    }
  }

  public GuestConfig {
    Objects.requireNonNull(hostKey);
    Objects.requireNonNull(authorizedKeys);
    Objects.requireNonNull(proxyCa);
    workspaces = List.copyOf(workspaces);
    environment = Map.copyOf(environment);
    Objects.requireNonNull(testHook);
    for (Map.Entry<String, String> e : environment.entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("bad environment variable name '" + e.getKey() + "'");
      }
      String v = e.getValue();
      if (v.contains("\n") || v.contains("\r") || v.contains("\0") || v.contains("'")) {
        throw new IllegalArgumentException("the value of " + e.getKey()
            + " contains a newline, NUL or single quote, which the guest environment cannot carry");
      }
    }
    if (hostKey.contains("\0") || authorizedKeys.contains("\0") || proxyCa.contains("\0")) {
      throw new IllegalArgumentException("keys and certificates must be text");
    }
  }

  /** A config with nothing in it: the guest makes its own host key and has no CA or shares. */
  public static GuestConfig empty() {
    return new GuestConfig("", "", "", List.of(), Map.of(), Optional.empty());
  }

  public GuestConfig withTestHook(String script) {
    return new GuestConfig(hostKey, authorizedKeys, proxyCa, workspaces, environment, Optional.of(script));
  }
}
