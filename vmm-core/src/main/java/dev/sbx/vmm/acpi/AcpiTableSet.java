package dev.sbx.vmm.acpi;

import dev.sbx.vmm.arch.GuestBlob;
import java.util.List;

/**
 * A complete set of ACPI tables placed in guest memory: where the RSDP is (for the zero page's
 * {@code acpi_rsdp_addr} or PVH {@code rsdp_paddr}) and the bytes to write.
 */
public record AcpiTableSet(long rsdpAddress, List<GuestBlob> blobs) {

  public AcpiTableSet {
    blobs = List.copyOf(blobs);
  }
}
