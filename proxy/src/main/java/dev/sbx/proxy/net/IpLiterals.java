package dev.sbx.proxy.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict IP literal parsing (proxy-threats.md N4, N6). Raw input never reaches
 * {@link InetAddress#getByName}: the JDK and Netty read octal, hex and single-integer forms
 * differently from curl, and such differentials are SSRF bugs.
 */
public final class IpLiterals {
  private IpLiterals() {}

  /** Four decimal parts 0–255 without leading zeros, or null. */
  public static byte[] parseIpv4(String s) {
    if (s.isEmpty() || s.length() > 15) {
      return null;
    }
    byte[] out = new byte[4];
    int part = 0;
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == '.') {
        if (part > 3) {
          return null;
        }
        int len = i - start;
        if (len < 1 || len > 3 || (len > 1 && s.charAt(start) == '0')) {
          return null;
        }
        int v = 0;
        for (int j = start; j < i; j++) {
          char c = s.charAt(j);
          if (c < '0' || c > '9') {
            return null;
          }
          v = v * 10 + (c - '0');
        }
        if (v > 255) {
          return null;
        }
        out[part++] = (byte) v;
        start = i + 1;
      }
    }
    return part == 4 ? out : null;
  }

  /**
   * An RFC 4291 IPv6 literal (hex groups, one {@code ::}, optional trailing dotted quad), no
   * zone ID; returns 16 bytes or null.
   */
  public static byte[] parseIpv6(String s) {
    if (s.length() < 2 || s.length() > 45) {
      return null;
    }
    byte[] out = new byte[16];
    int gap = -1; // index in out where "::" sits
    int pos = 0;  // bytes written
    int i = 0;
    int n = s.length();
    if (s.startsWith("::")) {
      gap = 0;
      i = 2;
      if (n == 2) {
        return out;
      }
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < n) {
      int groupStart = i;
      int v = 0;
      int digits = 0;
      while (i < n && hex(s.charAt(i)) >= 0) {
        v = (v << 4) | hex(s.charAt(i));
        i++;
        digits++;
        if (digits > 4) {
          break;
        }
      }
      if (i < n && s.charAt(i) == '.') {
        // trailing dotted quad: must be the last part and fit
        byte[] v4 = parseIpv4(s.substring(groupStart));
        if (v4 == null || pos > 12) {
          return null;
        }
        System.arraycopy(v4, 0, out, pos, 4);
        pos += 4;
        i = n;
        break;
      }
      if (digits == 0 || digits > 4 || pos > 14) {
        return null;
      }
      out[pos++] = (byte) (v >> 8);
      out[pos++] = (byte) v;
      if (i == n) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null; // '%' zone IDs and any other character
      }
      i++;
      if (i < n && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = pos;
        i++;
        if (i == n) {
          break;
        }
      } else if (i == n) {
        return null; // trailing single colon
      }
    }
    if (gap < 0) {
      return pos == 16 ? out : null;
    }
    if (pos == 16) {
      return null; // "::" must stand for at least one group
    }
    int tail = pos - gap;
    byte[] res = new byte[16];
    System.arraycopy(out, 0, res, 0, gap);
    System.arraycopy(out, gap, res, 16 - tail, tail);
    return res;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** No lookup: {@code getByAddress} only wraps the bytes (mapped IPv6 becomes IPv4). */
  public static InetAddress toAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + bytes.length, e);
    }
  }

  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
  public static String format(InetAddress a) {
    return format(a.getAddress());
  }

  /** Canonical text of raw address bytes (a mapped IPv6 stays IPv6 text). */
  public static String format(byte[] b) {
    if (b.length == 4) {
      return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 255) << 8) | (b[2 * i + 1] & 255);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /** Host as it appears in an authority: IPv6 in brackets. */
  public static String formatHost(InetAddress a) {
    return a.getAddress().length == 16 ? "[" + format(a) + "]" : format(a);
  }
}
