package dev.sbx.vmm.virtio.fs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian request argument builder for tests. */
final class Args {
  private final ByteArrayOutputStream b = new ByteArrayOutputStream();

  static Args of() {
    return new Args();
  }

  Args u32(long v) {
    for (int i = 0; i < 4; i++) {
      b.write((int) (v >>> (8 * i)));
    }
    return this;
  }

  Args u64(long v) {
    for (int i = 0; i < 8; i++) {
      b.write((int) (v >>> (8 * i)));
    }
    return this;
  }

  Args name(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8)).bytes(new byte[1]);
  }

  Args bytes(byte[] s) {
    b.write(s, 0, s.length);
    return this;
  }

  Args zeros(int n) {
    return bytes(new byte[n]);
  }

  byte[] build() {
    return b.toByteArray();
  }
}
