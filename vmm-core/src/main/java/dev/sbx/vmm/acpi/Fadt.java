package dev.sbx.vmm.acpi;

import java.nio.ByteBuffer;

/**
 * Fixed ACPI Description Table, revision 6.5 (ACPI 6.5 §5.2.9), for a hardware-reduced platform:
 * no PM1/GPE/PM-timer blocks, no SCI, no FACS, no sleep or reset registers. It only points at the
 * DSDT (through X_DSDT) and says which legacy PC devices exist.
 */
public final class Fadt {

  public static final int LENGTH = 276;
  public static final int REVISION = 6;
  public static final int MINOR_REVISION = 5;

  // Field offsets (ACPI 6.5 Table 5.9).
  public static final int IAPC_BOOT_ARCH_OFFSET = 109;
  public static final int FLAGS_OFFSET = 112;
  public static final int MINOR_REVISION_OFFSET = 131;
  public static final int X_DSDT_OFFSET = 140;
  public static final int HYPERVISOR_VENDOR_ID_OFFSET = 268;

  // IA-PC boot architecture flags (Table 5.10).
  /** Motherboard has an 8042 (or equivalent) keyboard controller. */
  public static final int IAPC_8042 = 1 << 1;
  /** Probing for VGA is unsafe: there is none. */
  public static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
  /** MSI must not be enabled (there is no PCI). */
  public static final int IAPC_MSI_NOT_PRESENT = 1 << 3;
  /** OSPM must not enable PCIe ASPM. */
  public static final int IAPC_PCIE_ASPM_CONTROLS = 1 << 4;
  /** No CMOS RTC at ports 0x70/0x71. */
  public static final int IAPC_CMOS_RTC_NOT_PRESENT = 1 << 5;

  // Fixed feature flags (Table 5.11).
  /** No fixed-hardware power button. */
  public static final int FLAG_PWR_BUTTON = 1 << 4;
  /** No fixed-hardware sleep button. */
  public static final int FLAG_SLP_BUTTON = 1 << 5;
  /** Hardware-reduced ACPI: the fixed hardware interface is absent. */
  public static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

  /** Identifies the VMM to the guest, like Firecracker's "FIRECKVM" (8 bytes). */
  public static final String HYPERVISOR_VENDOR_ID = "SBXVMM  ";

  private Fadt() {}

  /**
   * @param dsdtAddress guest-physical DSDT address, stored in X_DSDT (the 32-bit DSDT field stays
   *     0, as the specification asks when X_DSDT is used)
   * @param iapcBootArch IA-PC boot architecture flags ({@code IAPC_*})
   */
  public static byte[] build(long dsdtAddress, int iapcBootArch) {
    ByteBuffer b = Sdt.body(LENGTH - Sdt.HEADER_SIZE);
    b.putShort(IAPC_BOOT_ARCH_OFFSET - Sdt.HEADER_SIZE, (short) iapcBootArch);
    b.putInt(FLAGS_OFFSET - Sdt.HEADER_SIZE,
        FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON);
    b.put(MINOR_REVISION_OFFSET - Sdt.HEADER_SIZE, (byte) MINOR_REVISION);
    b.putLong(X_DSDT_OFFSET - Sdt.HEADER_SIZE, dsdtAddress);
    b.position(HYPERVISOR_VENDOR_ID_OFFSET - Sdt.HEADER_SIZE)
        .put(Sdt.ascii(HYPERVISOR_VENDOR_ID, 8));
    return Sdt.assemble("FACP", REVISION, b.array());
  }
}
