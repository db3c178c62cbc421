package dev.sbx.vmm.acpi;

import dev.sbx.vmm.acpi.ResourceTemplate.Polarity;
import dev.sbx.vmm.acpi.ResourceTemplate.Trigger;
import dev.sbx.vmm.arch.MmioSlot;

/**
 * The DSDT device for one virtio-mmio window, as Linux's {@code virtio_mmio} driver matches it
 * through ACPI ({@code LNRO0005}), so kernels without {@code CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES}
 * find their devices. Same shape as Firecracker's and QEMU microvm's devices.
 */
public final class VirtioMmioAml {

  public static final String HID = "LNRO0005";
  /** Device names run V000..VFFF. */
  public static final int MAX_DEVICES = 0x1000;

  private VirtioMmioAml() {}

  /**
   * {@code Device(Vxxx)} with {@code _HID "LNRO0005"}, {@code _UID index}, {@code _CCA 1} (DMA is
   * cache-coherent) and a {@code _CRS} of the window and its edge-triggered, active-high,
   * exclusive interrupt.
   */
  public static byte[] device(int index, MmioSlot slot) {
    if (index < 0 || index >= MAX_DEVICES) {
      throw new IllegalArgumentException(
          "virtio-mmio device index " + index + " must be 0-" + (MAX_DEVICES - 1));
    }
    byte[] crs = new ResourceTemplate()
        .memory32Fixed(true, slot.base(), slot.size())
        .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, slot.gsi())
        .toAml();
    return Aml.device(String.format("V%03X", index),
        Aml.name("_HID", Aml.string(HID)),
        Aml.name("_UID", Aml.integer(index)),
        Aml.name("_CCA", Aml.integer(1)),
        Aml.name("_CRS", crs));
  }
}
