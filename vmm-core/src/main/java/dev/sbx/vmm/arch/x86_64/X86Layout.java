package dev.sbx.vmm.arch.x86_64;

/**
 * Guest-physical layout and fixed platform addresses of the x86_64 microVM, in one place.
 *
 * <p>Sources: Firecracker {@code src/vmm/src/arch/x86_64/layout.rs} and {@code mptable.rs}, as
 * summarised in {@code reference/vmm-facts.md} §2.4, §2.7 and §2.8; the Intel MP specification
 * 1.4; the Intel 82093AA I/O APIC datasheet; the ACPI 6.5 specification.
 */
public final class X86Layout {

  private X86Layout() {}

  // Low memory (vmm-facts §2.4): [0x9fc00, 0xe0000) is the EBDA, reported as e820 "reserved".

  /** MP floating pointer and configuration table; Linux scans the last KiB below 640 KiB. */
  public static final long MPTABLE_START = 0x9FC00L;

  /** Space kept for the MP table: the last KiB below 640 KiB, up to {@link #ACPI_TABLES_START}. */
  public static final int MPTABLE_MAX_SIZE = 0x400;

  /** ACPI tables other than the RSDP are packed from here, after the MP table's KiB. */
  public static final long ACPI_TABLES_START = MPTABLE_START + MPTABLE_MAX_SIZE;

  /** RSDP: the start of the range Linux scans (0xE0000-0xFFFFF, 16-byte steps). */
  public static final long RSDP_ADDR = 0xE0000L;

  /** End (exclusive) of the ACPI table area, which is also the end of the e820-reserved EBDA. */
  public static final long ACPI_TABLES_END = RSDP_ADDR;

  // The 32-bit MMIO hole below 4 GiB (vmm-facts §2.4).

  /** First virtio-mmio window; Firecracker hands out 4 KiB windows from here. */
  public static final long MMIO_32_START = 0xC0000000L;

  /** I/O APIC register window (82093AA default; KVM's in-kernel IOAPIC sits here). */
  public static final long IOAPIC_ADDR = 0xFEC00000L;

  /** Local APIC register window (architectural default, IA32_APIC_BASE reset value). */
  public static final long LAPIC_ADDR = 0xFEE00000L;

  /** Redirection entries of KVM's in-kernel IOAPIC (KVM_IOAPIC_NUM_PINS), so GSIs 0-23. */
  public static final int IOAPIC_PINS = 24;

  // Legacy devices (PC/AT assignments; vmm-facts §2.8).

  /** COM1 16550 UART I/O base and its 8-port range. */
  public static final int COM1_PORT = 0x3F8;
  public static final int COM1_PORT_COUNT = 8;
  /** COM1 interrupt: ISA IRQ 4, identity-mapped to GSI 4. */
  public static final int COM1_GSI = 4;

  /** i8042 data and command/status ports. */
  public static final int I8042_DATA_PORT = 0x60;
  public static final int I8042_COMMAND_PORT = 0x64;
  /** i8042 keyboard interrupt: ISA IRQ 1, identity-mapped to GSI 1. */
  public static final int I8042_GSI = 1;
}
