package dev.sbx.cli.session;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.util.Locale;

/**
 * A publish spec {@code [[HOST_IP:]HOST_PORT:]SANDBOX_PORT[/PROTOCOL]} (sbx-cli.md §2.10).
 * No host IP means IPv4 loopback; {@code hostPort} 0 means ephemeral; protocols tcp4, tcp6 and tcp
 * (both loopbacks).
 */
public record PortSpec(String hostIp, int hostPort, int sandboxPort, String protocol) {

  public static PortSpec parse(String spec) {
    String s = spec.strip();
    String protocol = null;
    int slash = s.lastIndexOf('/');
    if (slash >= 0) {
      protocol = s.substring(slash + 1).toLowerCase(Locale.ROOT);
      s = s.substring(0, slash);
      if (protocol.startsWith("udp")) {
        throw bad(spec, "UDP publishing is not supported yet; use tcp");
      }
      if (!protocol.equals("tcp") && !protocol.equals("tcp4") && !protocol.equals("tcp6")) {
        throw bad(spec, "protocol must be tcp, tcp4 or tcp6");
      }
    }
    String ip = null;
    String rest = s;
    if (s.startsWith("[")) {
      int close = s.indexOf("]:");
      if (close < 0) {
        throw bad(spec, "an IPv6 address needs the form [ADDR]:HOST_PORT:SANDBOX_PORT");
      }
      ip = s.substring(1, close);
      rest = s.substring(close + 2);
    } else {
      String[] parts = s.split(":", -1);
      if (parts.length == 3) {
        ip = parts[0];
        rest = parts[1] + ":" + parts[2];
      } else if (parts.length > 3) {
        throw bad(spec, "too many ':'");
      }
    }
    String[] ports = rest.split(":", -1);
    int hostPort = 0;
    int sandboxPort;
    if (ports.length == 2) {
      // 0 = ephemeral, as stored for a spec given without a host port.
      hostPort = ports[0].equals("0") ? 0 : port(spec, ports[0]);
      sandboxPort = port(spec, ports[1]);
    } else {
      sandboxPort = port(spec, ports[0]);
    }
    if (ip != null && !ip.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
      throw bad(spec, "host IP '" + ip + "' is not an IP address");
    }
    boolean v6 = ip != null && ip.contains(":");
    if (protocol == null) {
      protocol = v6 ? "tcp6" : "tcp4";
    }
    if (ip == null) {
      ip = protocol.equals("tcp6") ? "::1" : "127.0.0.1";
    }
    return new PortSpec(ip, hostPort, sandboxPort, protocol);
  }

  private static int port(String spec, String text) {
    try {
      int p = Integer.parseInt(text);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(spec, "'" + text + "' is not a port (1-65535)");
  }

  private static UserException bad(String spec, String why) {
    return new UserException("bad publish spec '" + spec + "': " + why, ExitCodes.USAGE);
  }

  /** {@code 127.0.0.1:8080->3000/tcp4}. */
  public String display() {
    String host = hostIp.contains(":") ? "[" + hostIp + "]" : hostIp;
    return host + ":" + (hostPort == 0 ? "*" : hostPort) + "->" + sandboxPort + "/" + protocol;
  }

  /** The canonical spec text stored in the record and VmSpec. */
  public String spec() {
    String host = hostIp.contains(":") ? "[" + hostIp + "]" : hostIp;
    return host + ":" + hostPort + ":" + sandboxPort + "/" + protocol;
  }
}
