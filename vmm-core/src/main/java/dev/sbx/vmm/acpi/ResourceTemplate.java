package dev.sbx.vmm.acpi;

import dev.sbx.vmm.arch.ByteChecksum;
import java.io.ByteArrayOutputStream;

/**
 * Builds a {@code ResourceTemplate()}: a Buffer of resource descriptors (ACPI 6.5 §6.4) closed by
 * an End Tag, as used for {@code _CRS}. The End Tag carries a real checksum (all template bytes sum
 * to 0) rather than the "treat as valid" zero that iasl emits; the specification allows both.
 */
public final class ResourceTemplate {

  /** Interrupt trigger mode (_HE). */
  public enum Trigger { LEVEL, EDGE }

  /** Interrupt polarity (_LL). */
  public enum Polarity { ACTIVE_HIGH, ACTIVE_LOW }

  private static final int IO_PORT = 0x47; // small item 0x08, length 7
  private static final int END_TAG = 0x79; // small item 0x0F, length 1
  private static final int MEMORY32_FIXED = 0x86; // large item 0x06
  private static final int EXTENDED_INTERRUPT = 0x89; // large item 0x09

  private final ByteArrayOutputStream descriptors = new ByteArrayOutputStream();

  /** {@code Memory32Fixed(ReadWrite|ReadOnly, base, length)}: a 32-bit fixed memory range. */
  public ResourceTemplate memory32Fixed(boolean writable, long base, long length) {
    if (base < 0 || length < 0 || base + length > 0x1_0000_0000L) {
      throw new IllegalArgumentException("Memory32Fixed range base 0x" + Long.toHexString(base)
          + " length 0x" + Long.toHexString(length) + " must lie below 4 GiB");
    }
    descriptors.write(MEMORY32_FIXED);
    u16(9);
    descriptors.write(writable ? 1 : 0);
    u32(base);
    u32(length);
    return this;
  }

  /**
   * {@code Interrupt(ResourceConsumer, trigger, polarity, Exclusive|Shared) {gsi}}: the extended
   * interrupt descriptor with one interrupt and no resource source.
   */
  public ResourceTemplate interrupt(Trigger trigger, Polarity polarity, boolean shared, long gsi) {
    if (gsi < 0 || gsi > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("interrupt number " + gsi + " must fit in 32 bits");
    }
    int flags = 0x01; // bit 0: consumer
    if (trigger == Trigger.EDGE) {
      flags |= 0x02;
    }
    if (polarity == Polarity.ACTIVE_LOW) {
      flags |= 0x04;
    }
    if (shared) {
      flags |= 0x08;
    }
    descriptors.write(EXTENDED_INTERRUPT);
    u16(6);
    descriptors.write(flags);
    descriptors.write(1); // interrupt table length
    u32(gsi);
    return this;
  }

  /** {@code IO(Decode16, port, port, 1, count)}: a fixed range of {@code count} I/O ports. */
  public ResourceTemplate io(int port, int count) {
    if (port < 0 || count < 1 || count > 0xFF || port + count > 0x10000) {
      throw new IllegalArgumentException("I/O range 0x" + Integer.toHexString(port) + " + " + count
          + " must lie in the 16-bit port space with 1 to 255 ports");
    }
    descriptors.write(IO_PORT);
    descriptors.write(1); // decodes 16 address bits
    u16(port); // minimum base
    u16(port); // maximum base: same, a fixed range
    descriptors.write(1); // alignment
    descriptors.write(count);
    return this;
  }

  /** The template as an AML Buffer term. */
  public byte[] toAml() {
    return Aml.buffer(bytes());
  }

  /** The raw descriptor bytes including the End Tag (the Buffer's contents). */
  public byte[] bytes() {
    byte[] body = descriptors.toByteArray();
    byte[] out = new byte[body.length + 2];
    System.arraycopy(body, 0, out, 0, body.length);
    out[body.length] = END_TAG;
    ByteChecksum.fill(out, 0, out.length, out.length - 1);
    return out;
  }

  private void u16(int v) {
    descriptors.write(v);
    descriptors.write(v >>> 8);
  }

  private void u32(long v) {
    for (int i = 0; i < 4; i++) {
      descriptors.write((int) (v >>> (8 * i)));
    }
  }
}
