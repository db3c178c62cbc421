package dev.sbx.vmm.machine;

import dev.sbx.vmm.arch.MmioSlot;
import dev.sbx.vmm.arch.x86_64.X86Layout;
import dev.sbx.vmm.bus.Bus;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vm;
import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.transport.mmio.VirtioMmioTransport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where virtio devices sit on an x86 machine: 4 KiB virtio-mmio windows from 0xC0000000 in device
 * order, GSIs from 5, and the matching {@code virtio_mmio.device=4K@0x...:GSI} command-line
 * entries for kernels with cmdline devices (the ACPI tables describe the same slots).
 */
public final class VirtioSlots implements AutoCloseable {
  public static final long SLOT_SIZE = VirtioMmioTransport.WINDOW_SIZE;
  public static final int FIRST_GSI = 5;
  /** GSIs 5-23: one I/O APIC pin each. */
  public static final int MAX_DEVICES = X86Layout.IOAPIC_PINS - FIRST_GSI;

  private final List<MmioSlot> slots;
  private final List<VirtioMmioTransport> transports;

  private VirtioSlots(List<MmioSlot> slots, List<VirtioMmioTransport> transports) {
    this.slots = slots;
    this.transports = transports;
  }

  /** The window and GSI of the {@code index}-th device. */
  public static MmioSlot slot(int index) {
    return new MmioSlot(X86Layout.MMIO_32_START + index * SLOT_SIZE, SLOT_SIZE, FIRST_GSI + index);
  }

  /** Puts each device behind a virtio-mmio transport on {@code mmio}. */
  static VirtioSlots attach(Vm vm, GuestMemory memory, Bus mmio, List<VirtioDevice> devices)
      throws HypervisorException {
    if (devices.size() > MAX_DEVICES) {
      throw new HypervisorException(devices.size() + " virtio devices requested; at most " + MAX_DEVICES + " fit");
    }
    List<MmioSlot> slots = new ArrayList<>();
    List<VirtioMmioTransport> transports = new ArrayList<>();
    VirtioSlots result = new VirtioSlots(slots, transports);
    try {
      for (int i = 0; i < devices.size(); i++) {
        MmioSlot s = slot(i);
        VirtioMmioTransport t = new VirtioMmioTransport(devices.get(i), memory, vm.interruptLine(s.gsi()),
            vm.eventPlumbing().orElse(null), s.base(), s.gsi());
        transports.add(t);
        mmio.insert(t, s.base(), s.size());
        slots.add(s);
      }
      return result;
    } catch (IOException e) {
      result.close();
      throw new HypervisorException("cannot set up virtio notifications: " + e.getMessage(), e);
    } catch (HypervisorException | RuntimeException e) {
      result.close();
      throw e;
    }
  }

  public List<MmioSlot> slots() {
    return List.copyOf(slots);
  }

  /** Command-line entries, each with a leading space. */
  public String cmdline() {
    StringBuilder b = new StringBuilder();
    for (MmioSlot s : slots) {
      b.append(String.format(" virtio_mmio.device=4K@0x%x:%d", s.base(), s.gsi()));
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (VirtioMmioTransport t : transports) {
      t.close();
    }
  }
}
