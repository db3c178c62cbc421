package dev.sbx.vmm.acpi;

/**
 * Differentiated System Description Table (ACPI 6.5 §5.2.11.1): the header around a TermList.
 * Revision 2 makes AML integers 64-bit.
 */
public final class Dsdt {

  private Dsdt() {}

  public static byte[] build(byte[] termList) {
    return Sdt.assemble("DSDT", 2, termList);
  }
}
