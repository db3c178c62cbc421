package dev.sbx.proxy.server;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** The content of large test bodies: one seeded 64 KiB block repeated, cut at the length asked. */
final class BulkBytes {
  static final byte[] BLOCK = new byte[64 * 1024];

  static {
    new Random(92).nextBytes(BLOCK);
  }

  private BulkBytes() {}

  static void write(OutputStream out, long n) throws IOException {
    for (long left = n; left > 0; ) {
      int k = (int) Math.min(BLOCK.length, left);
      out.write(BLOCK, 0, k);
      left -= k;
    }
  }

  static String sha256(long n) throws NoSuchAlgorithmException {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (long left = n; left > 0; ) {
      int k = (int) Math.min(BLOCK.length, left);
      d.update(BLOCK, 0, k);
      left -= k;
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
