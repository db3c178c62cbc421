package dev.sbx.vmm.arch.x86_64;

/** One BIOS memory-map entry; the PVH memmap uses the same types. */
public record E820Entry(long address, long size, int type) {
  public static final int RAM = 1;
  public static final int RESERVED = 2;
  public static final int ACPI = 3;
}
