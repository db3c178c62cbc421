package dev.sbx.vmm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * Encoders for the AML terms the DSDT needs (ACPI 6.5 §20.2): named objects, devices, scopes and
 * data objects. Each method returns the encoded bytes of one term; composite terms take the
 * already-encoded terms they contain. Integers use the shortest encoding, as iasl does, so a
 * disassembled-and-recompiled table comes back with the same size.
 */
public final class Aml {

  private static final int ZERO_OP = 0x00;
  private static final int ONE_OP = 0x01;
  private static final int NAME_OP = 0x08;
  private static final int BYTE_PREFIX = 0x0A;
  private static final int WORD_PREFIX = 0x0B;
  private static final int DWORD_PREFIX = 0x0C;
  private static final int STRING_PREFIX = 0x0D;
  private static final int QWORD_PREFIX = 0x0E;
  private static final int SCOPE_OP = 0x10;
  private static final int BUFFER_OP = 0x11;
  private static final int EXT_OP_PREFIX = 0x5B;
  private static final int DEVICE_OP = 0x82;
  private static final int ONES_OP = 0xFF;

  private Aml() {}

  /**
   * An unsigned 64-bit integer constant: ZeroOp, OneOp, OnesOp (all bits set) or the smallest of
   * Byte/Word/DWord/QWordConst. QWordConst needs a DSDT of revision 2 or later.
   */
  public static byte[] integer(long value) {
    if (value == 0) {
      return new byte[] {ZERO_OP};
    }
    if (value == 1) {
      return new byte[] {ONE_OP};
    }
    if (value == -1L) {
      return new byte[] {(byte) ONES_OP};
    }
    if (Long.compareUnsigned(value, 0xFFL) <= 0) {
      return prefixed(BYTE_PREFIX, value, 1);
    }
    if (Long.compareUnsigned(value, 0xFFFFL) <= 0) {
      return prefixed(WORD_PREFIX, value, 2);
    }
    if (Long.compareUnsigned(value, 0xFFFF_FFFFL) <= 0) {
      return prefixed(DWORD_PREFIX, value, 4);
    }
    return prefixed(QWORD_PREFIX, value, 8);
  }

  /** A String constant: ASCII characters 0x01-0x7F, NUL-terminated. */
  public static byte[] string(String value) {
    byte[] out = new byte[value.length() + 2];
    out[0] = STRING_PREFIX;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0 || c > 0x7F) {
        throw new IllegalArgumentException(
            "AML string '" + value + "' must hold only ASCII characters 0x01-0x7F");
      }
      out[i + 1] = (byte) c;
    }
    return out;
  }

  /**
   * A compressed EISA ID such as {@code "PNP0501"} as the DWordConst that ASL's {@code EisaId()}
   * yields: three letters of five bits each, then four hex digits, stored big-endian.
   */
  public static byte[] eisaId(String id) {
    if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
      throw new IllegalArgumentException(
          "EISA ID '" + id + "' must be three letters A-Z and four hex digits, like PNP0501");
    }
    int c1 = id.charAt(0) - 0x40;
    int c2 = id.charAt(1) - 0x40;
    int c3 = id.charAt(2) - 0x40;
    int product = Integer.parseInt(id.substring(3), 16);
    byte[] out = new byte[5];
    out[0] = DWORD_PREFIX;
    out[1] = (byte) ((c1 << 2) | (c2 >> 3));
    out[2] = (byte) (((c2 & 0x7) << 5) | c3);
    out[3] = (byte) (product >> 8);
    out[4] = (byte) product;
    return out;
  }

  /** {@code Name(name, value)}: binds a data object (integer, string, buffer) to a name. */
  public static byte[] name(String name, byte[] value) {
    return concat(new byte[] {NAME_OP}, AmlName.encode(name), value);
  }

  /** {@code Buffer(n) {bytes}}, its size given as an integer of exactly {@code bytes.length}. */
  public static byte[] buffer(byte[] bytes) {
    return pkg(new byte[] {BUFFER_OP}, concat(integer(bytes.length), bytes));
  }

  /** {@code Device(name) {terms}}. */
  public static byte[] device(String name, byte[]... terms) {
    return pkg(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP},
        concat(AmlName.encode(name), concat(terms)));
  }

  /** {@code Scope(name) {terms}}. */
  public static byte[] scope(String name, byte[]... terms) {
    return pkg(new byte[] {SCOPE_OP}, concat(AmlName.encode(name), concat(terms)));
  }

  /** Concatenates terms into a TermList. */
  public static byte[] concat(byte[]... terms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] t : terms) {
      out.writeBytes(t);
    }
    return out.toByteArray();
  }

  private static byte[] pkg(byte[] opcode, byte[] body) {
    return concat(opcode, PkgLength.encode(body.length), body);
  }

  private static byte[] prefixed(int prefix, long value, int size) {
    byte[] out = new byte[size + 1];
    out[0] = (byte) prefix;
    for (int i = 0; i < size; i++) {
      out[i + 1] = (byte) (value >>> (8 * i));
    }
    return out;
  }
}
