package dev.sbx.proxy.policy;

import dev.sbx.proxy.net.Cidr;
import dev.sbx.proxy.net.IpLiterals;
import java.util.ArrayList;
import java.util.List;

/** Parses rule text (sbx-cli.md §3.2, proxy-threats.md §3.2); refusals name the bad part. */
public final class RuleParser {
  private RuleParser() {}

  /** A comma-separated list; one bad item refuses the whole list. */
  public static List<RuleTarget> parseList(String list) throws InvalidTargetException {
    List<RuleTarget> out = new ArrayList<>();
    for (String item : list.split(",", -1)) {
      out.add(parse(item));
    }
    return out;
  }

  public static RuleTarget parse(String raw) throws InvalidTargetException {
    String text = raw.strip();
    if (text.isEmpty()) {
      throw new InvalidTargetException("empty rule");
    }
    if (text.contains("://")) {
      throw new InvalidTargetException("'" + text + "': no scheme allowed; write the host only");
    }
    if (text.indexOf('@') >= 0) {
      throw new InvalidTargetException("'" + text + "': no user name allowed; write the host only");
    }
    if (text.indexOf('?') >= 0 || text.indexOf('#') >= 0) {
      throw new InvalidTargetException("'" + text + "': no query or fragment allowed; write the host only");
    }
    int slash = text.indexOf('/');
    if (slash >= 0) {
      return parseCidr(text, slash);
    }
    String host = text;
    int port = 0;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new InvalidTargetException("'" + text + "': unbalanced '['");
      }
      host = text.substring(0, close + 1);
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new InvalidTargetException("'" + text + "': unexpected text after ']'");
        }
        port = port(text, rest.substring(1));
      }
      byte[] v6 = IpLiterals.parseIpv6(host.substring(1, host.length() - 1));
      if (v6 == null) {
        throw new InvalidTargetException("'" + text + "': brackets must hold an IPv6 address");
      }
      return new RuleTarget.Ip(IpLiterals.toAddress(v6).getAddress(), port);
    }
    int colons = (int) text.chars().filter(c -> c == ':').count();
    if (colons > 1) {
      throw new InvalidTargetException("'" + text + "': IPv6 addresses need brackets, e.g. [2001:db8::1]:443");
    }
    if (colons == 1) {
      int c = text.indexOf(':');
      host = text.substring(0, c);
      port = port(text, text.substring(c + 1));
    }
    return parseHost(text, host, port);
  }

  private static int port(String text, String p) throws InvalidTargetException {
    try {
      return Destinations.parsePort(p);
    } catch (InvalidTargetException e) {
      throw new InvalidTargetException("'" + text + "': port '" + p + "' must be 1-65535 without sign or leading zero");
    }
  }

  private static RuleTarget parseHost(String text, String host, int port) throws InvalidTargetException {
    if (host.isEmpty()) {
      throw new InvalidTargetException("'" + text + "': empty host");
    }
    if (host.equals("**")) {
      return new RuleTarget.Everything(port);
    }
    if (host.equals("*")) {
      throw new InvalidTargetException("'" + text + "': bare '*' is not a rule; use '**' for everything");
    }
    RuleTarget.Name.Kind kind = RuleTarget.Name.Kind.EXACT;
    String name = host;
    if (host.startsWith("**.")) {
      kind = RuleTarget.Name.Kind.ANY_DEPTH;
      name = host.substring(3);
    } else if (host.startsWith("*.")) {
      kind = RuleTarget.Name.Kind.ONE_LABEL;
      name = host.substring(2);
    }
    if (name.indexOf('*') >= 0) {
      throw new InvalidTargetException("'" + text + "': '*' may only be the whole first label ('*.' or '**.')");
    }
    if (kind == RuleTarget.Name.Kind.EXACT) {
      byte[] v4 = IpLiterals.parseIpv4(name);
      if (v4 != null) {
        return new RuleTarget.Ip(v4, port);
      }
    }
    String ascii = HostNames.toAscii(name).toLowerCase(java.util.Locale.ROOT);
    if (ascii.endsWith(".")) {
      ascii = ascii.substring(0, ascii.length() - 1);
    }
    if (ascii.isEmpty()) {
      throw new InvalidTargetException("'" + text + "': empty host");
    }
    if (HostNames.looksNumeric(ascii)) {
      byte[] v4 = IpLiterals.parseIpv4(ascii);
      if (kind == RuleTarget.Name.Kind.EXACT && v4 != null && ascii.equals(name)) {
        return new RuleTarget.Ip(v4, port);
      }
      throw new InvalidTargetException("'" + text + "': numeric host; write an IPv4 address as a dotted quad (an IP rule)");
    }
    try {
      HostNames.checkName(ascii);
    } catch (InvalidTargetException e) {
      throw new InvalidTargetException("'" + text + "': " + e.getMessage());
    }
    if (kind == RuleTarget.Name.Kind.EXACT && ascii.equals("localhost")) {
      if (port == 0) {
        throw new InvalidTargetException("'" + text + "': localhost needs a port, e.g. localhost:11434");
      }
      return new RuleTarget.Localhost(port);
    }
    if (ascii.equals("localhost") || ascii.endsWith(".localhost") || ascii.equals("host.docker.internal")) {
      throw new InvalidTargetException("'" + text + "': the host's loopback is allowed with localhost:PORT");
    }
    if (kind != RuleTarget.Name.Kind.EXACT && ascii.indexOf('.') < 0) {
      throw new InvalidTargetException("'" + text + "': wildcard suffix needs at least two labels");
    }
    return new RuleTarget.Name(kind, ascii, port);
  }

  private static RuleTarget parseCidr(String text, int slash) throws InvalidTargetException {
    String host = text.substring(0, slash);
    String len = text.substring(slash + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    byte[] net = IpLiterals.parseIpv4(host);
    if (net == null) {
      net = IpLiterals.parseIpv6(host);
    }
    if (net == null) {
      throw new InvalidTargetException("'" + text + "': no path allowed; write the host only (or an IP range a.b.c.d/n)");
    }
    int max = net.length * 8;
    if (len.isEmpty() || len.length() > 3 || (len.length() > 1 && len.charAt(0) == '0')
        || !len.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(len) > max) {
      if (len.indexOf(':') >= 0) {
        throw new InvalidTargetException("'" + text + "': an IP range takes no port");
      }
      throw new InvalidTargetException("'" + text + "': prefix length '" + len + "' must be 0-" + max);
    }
    Cidr cidr = new Cidr(net, Integer.parseInt(len));
    if (!cidr.hostBitsZero()) {
      throw new InvalidTargetException("'" + text + "': host bits set below /" + len);
    }
    return new RuleTarget.Range(cidr);
  }
}
