package dev.sbx.vmm.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The "newc" cpio format the kernel unpacks as an initramfs, for test initrds. */
public final class CpioWriter {
  private final OutputStream out;
  private long written;
  private int ino = 1;

  public CpioWriter(OutputStream out) {
    this.out = out;
  }

  public void file(String name, int mode, byte[] data) throws IOException {
    header(name, mode, data.length);
    put(data);
    pad();
  }

  public void finish() throws IOException {
    header("TRAILER!!!", 0, 0);
    out.flush();
  }

  private void header(String name, int mode, int size) throws IOException {
    byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
    String h = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
        ino++, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, n.length, 0);
    put(h.getBytes(StandardCharsets.US_ASCII));
    put(n);
    pad();
  }

  private void put(byte[] b) throws IOException {
    out.write(b);
    written += b.length;
  }

  private void pad() throws IOException {
    while (written % 4 != 0) {
      out.write(0);
      written++;
    }
  }
}
