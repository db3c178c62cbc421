package dev.sbx.vmm.arch.x86_64;

/**
 * The boot GDTs: null, code, data and TSS descriptors at selectors 0x08, 0x10 and 0x18. Flag
 * words are in Firecracker's {@code gdt_entry} shape: access byte in bits 0-7, flags nibble in bits
 * 12-15.
 */
public final class Gdt {
  public static final int CODE_SELECTOR = 0x08;
  public static final int DATA_SELECTOR = 0x10;
  public static final int TSS_SELECTOR = 0x18;

  /** 64-bit entry: long-mode code (L=1), flat data, a TSS. */
  public static final long[] LONG_MODE = {
      0, entry(0xa09b, 0, 0xfffff), entry(0xc093, 0, 0xfffff), entry(0x808b, 0, 0xfffff)};

  /** PVH entry: 32-bit flat code and data (base 0, 4 GiB), and the 0x67-byte TSS PVH requires. */
  public static final long[] PROTECTED_MODE = {
      0, entry(0xc09b, 0, 0xfffff), entry(0xc093, 0, 0xfffff), entry(0x008b, 0, 0x67)};

  private Gdt() {}

  /** Encodes a descriptor from a flags word, a 32-bit base and a 20-bit limit. */
  public static long entry(int flags, long base, long limit) {
    return ((base & 0xff00_0000L) << (56 - 24))
        | (((long) flags & 0xf0ff) << 40)
        | ((limit & 0xf_0000L) << (48 - 16))
        | ((base & 0x00ff_ffffL) << 16)
        | (limit & 0xffffL);
  }
}
