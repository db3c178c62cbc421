package dev.sbx.cli.runtime;

import dev.sbx.vmm.virtio.VirtioDevice;
import java.util.Optional;

/**
 * One device of a sandbox VM, engine-independent: every engine attaches the same objects, over
 * virtio-mmio in-process or vhost-user to QEMU.
 *
 * @param id short stable name ({@code vda}, {@code ws0}, {@code vsock} ...)
 * @param fsTag the virtio-fs mount tag, for file-system devices
 */
record SandboxDevice(String id, VirtioDevice device, Optional<String> fsTag) {}
