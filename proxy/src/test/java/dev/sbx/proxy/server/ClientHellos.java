package dev.sbx.proxy.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Hand-built TLS ClientHellos for shapes no JDK or Netty client produces: an ECH extension
 * (P43) or a hello far larger than any real one (P98).
 */
final class ClientHellos {
  static final int ECH = 0xfe0d;
  private static final int SNI = 0x0000;
  private static final int SUPPORTED_VERSIONS = 0x002b;
  private static final int PADDING = 0x0015;

  private ClientHellos() {}

  /** One TLS record holding a ClientHello with {@code sni} and, if asked, a random ECH extension. */
  static byte[] withSni(String sni, boolean ech) {
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    byte[] name = sni.getBytes(StandardCharsets.US_ASCII);
    ext(ext, SNI, concat(u16(name.length + 3), new byte[] {0}, u16(name.length), name));
    ext(ext, SUPPORTED_VERSIONS, new byte[] {2, 3, 4});
    if (ech) {
      // outer ECH: type 0, HPKE KDF/AEAD ids, config id, a 32-byte enc and an opaque payload
      byte[] enc = random(32);
      byte[] payload = random(200);
      ext(ext, ECH, concat(new byte[] {0, 0, 1, 0, 1, 7}, u16(enc.length), enc, u16(payload.length), payload));
    }
    byte[] body = helloBody(ext.toByteArray());
    byte[] handshake = concat(new byte[] {1}, u24(body.length), body);
    return concat(new byte[] {0x16, 3, 1}, u16(handshake.length), handshake);
  }

  /**
   * The start of a ClientHello whose handshake header claims {@code claimed} bytes, padded with a
   * padding extension: the first record only, as a client streaming a huge hello would send it.
   */
  static byte[] oversizedFirstRecord(int claimed) {
    byte[] pad = new byte[16000];
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    ext(ext, PADDING, pad);
    byte[] body = helloBody(ext.toByteArray(), claimed);
    byte[] handshake = concat(new byte[] {1}, u24(claimed), body);
    return concat(new byte[] {0x16, 3, 1}, u16(handshake.length), handshake);
  }

  /** The same handshake message split over two TLS records after {@code first} bytes of it. */
  static byte[] splitIntoTwoRecords(byte[] record, int first) {
    int len = record.length - 5;
    byte[] a = java.util.Arrays.copyOfRange(record, 5, 5 + first);
    byte[] b = java.util.Arrays.copyOfRange(record, 5 + first, 5 + len);
    return concat(new byte[] {0x16, 3, 1}, u16(a.length), a, new byte[] {0x16, 3, 1}, u16(b.length), b);
  }

  /** A follow-on handshake record of {@code n} filler bytes (n ≤ 16384). */
  static byte[] continuationRecord(int n) {
    return concat(new byte[] {0x16, 3, 1}, u16(n), new byte[n]);
  }

  private static byte[] helloBody(byte[] extensions) {
    return helloBody(extensions, -1);
  }

  private static byte[] helloBody(byte[] extensions, int claimedHandshake) {
    byte[] sessionId = random(32);
    int extLen = extensions.length;
    if (claimedHandshake > 0) {
      extLen = Math.min(0xffff, claimedHandshake); // a length that runs past this record
    }
    return concat(new byte[] {3, 3}, random(32), new byte[] {32}, sessionId,
        u16(2), new byte[] {0x13, 0x01}, new byte[] {1, 0}, u16(extLen), extensions);
  }

  private static void ext(ByteArrayOutputStream out, int type, byte[] data) {
    out.writeBytes(u16(type));
    out.writeBytes(u16(data.length));
    out.writeBytes(data);
  }

  private static byte[] u16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  private static byte[] u24(int v) {
    return new byte[] {(byte) (v >> 16), (byte) (v >> 8), (byte) v};
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
