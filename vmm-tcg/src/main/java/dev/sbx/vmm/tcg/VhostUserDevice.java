package dev.sbx.vmm.tcg;

import java.nio.file.Path;

/**
 * One device QEMU drives through a vhost-user socket served by the sbx-vmm process.
 *
 * @param tag virtio-fs mount tag (file-system devices only, else empty)
 */
public record VhostUserDevice(Kind kind, String id, Path socket, String tag) {

  /** QEMU's names for the virtio-mmio flavours of the vhost-user devices (QEMU 7.2). */
  public enum Kind {
    BLOCK("vhost-user-blk"),
    FS("vhost-user-fs-device"),
    VSOCK("vhost-user-vsock-device"),
    RNG("vhost-user-rng");

    private final String qemuDevice;

    Kind(String qemuDevice) {
      this.qemuDevice = qemuDevice;
    }

    public String qemuDevice() {
      return qemuDevice;
    }

    /** The kind for a virtio device type (block 2, rng 4, vsock 19, fs 26). */
    public static Kind of(int virtioDeviceType) {
      return switch (virtioDeviceType) {
        case 2 -> BLOCK;
        case 4 -> RNG;
        case 19 -> VSOCK;
        case 26 -> FS;
        default -> throw new IllegalArgumentException("the tcg engine cannot attach virtio device type " + virtioDeviceType);
      };
    }
  }

  public VhostUserDevice {
    if (!id.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
      throw new IllegalArgumentException("bad device id '" + id + "'");
    }
    if ((kind == Kind.FS) == tag.isEmpty()) {
      throw new IllegalArgumentException("a tag is required for file-system devices and only for them");
    }
    if (tag.contains(",")) {
      throw new IllegalArgumentException("a virtio-fs tag cannot contain ','");
    }
  }
}
