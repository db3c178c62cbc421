package dev.sbx.vmm.engine;

import dev.sbx.vmm.virtio.VirtioDevice;
import java.util.Optional;

/**
 * One device of a VM: every engine attaches the same device objects, over virtio-mmio in this
 * process or over vhost-user to QEMU.
 *
 * @param id short stable name ({@code vda}, {@code ws0}, {@code vsock} ...), unique in a VM
 * @param fsTag the virtio-fs mount tag, for file-system devices only
 */
public record AttachedDevice(String id, VirtioDevice device, Optional<String> fsTag) {
  public AttachedDevice {
    if (!id.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
      throw new IllegalArgumentException("bad device id '" + id + "'");
    }
  }
}
