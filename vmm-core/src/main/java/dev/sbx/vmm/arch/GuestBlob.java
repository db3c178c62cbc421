package dev.sbx.vmm.arch;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Bytes to copy into guest memory at a guest-physical address (a boot table, for example).
 *
 * <p>The constructor copies {@code bytes}; {@link #bytes()} returns that private copy without
 * copying again, so callers must treat it as read-only.
 */
public record GuestBlob(long address, byte[] bytes) {

  public GuestBlob {
    if (address < 0) {
      throw new IllegalArgumentException("negative guest address 0x" + Long.toHexString(address));
    }
    bytes = bytes.clone();
    if (address + bytes.length < address) {
      throw new IllegalArgumentException(
          "blob at 0x" + Long.toHexString(address) + " wraps around");
    }
  }

  /** First guest-physical address after the blob. */
  public long end() {
    return address + bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GuestBlob b && b.address == address && Arrays.equals(b.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(address) * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    String head = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 16));
    return "GuestBlob[0x" + Long.toHexString(address) + ", " + bytes.length + " bytes: " + head
        + (bytes.length > 16 ? "...]" : "]");
  }
}
