package dev.sbx.image;

import java.nio.file.Path;

/** A complete, built guest image in the cache: what an engine needs to boot a sandbox. */
public record GuestImage(String version, Path directory, ImageManifest manifest) {

  public static final String KERNEL = "vmlinux";
  public static final String ROOTFS = "rootfs.ext4";

  /** Uncompressed x86_64 kernel with a PVH entry note. */
  public Path kernel() {
    return directory.resolve(KERNEL);
  }

  /** Read-only base disk (ext4), attached as the first virtio-blk device. */
  public Path rootfs() {
    return directory.resolve(ROOTFS);
  }

  public long sizeBytes() {
    return manifest.totalSize();
  }
}
