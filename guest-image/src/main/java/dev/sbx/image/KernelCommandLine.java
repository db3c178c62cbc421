package dev.sbx.image;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The guest kernel command line for an sbx image. Disk order is fixed: {@code vda} base image
 * (read-only), {@code vdb} the sandbox's data disk, {@code vdc} the config disk. Engines append
 * their own device parameters (e.g. {@code virtio_mmio.device=}) after this.
 */
public final class KernelCommandLine {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  /**
   * Base parameters: serial console, read-only root on the base disk, sbx-init as PID 1, a reset
   * by triple fault (reboot=t) so that reboot and poweroff end the VM in every engine, and no
   * reboot loop after a panic (panic=-1 resets at once, which also ends the VM).
   */
  static final String BASE = "console=ttyS0 root=/dev/vda ro rootfstype=ext4 init=/sbin/sbx-init "
      + "reboot=t panic=-1 quiet";

  private KernelCommandLine() {}

  public static String of(String hostname, Instant now) {
    return build(hostname, now, false);
  }

  /** As {@link #of} and lets init run the config disk's test hook. Tests only. */
  public static String forTest(String hostname, Instant now) {
    return build(hostname, now, true);
  }

  private static String build(String hostname, Instant now, boolean test) {
    if (!NAME.matcher(hostname).matches()) {
      throw new IllegalArgumentException("bad guest hostname '" + hostname
          + "' (1-63 letters, digits and inner hyphens)");
    }
    return BASE + " sbx.name=" + hostname + " sbx.time=" + now.getEpochSecond()
        + " sbx.data=/dev/vdb sbx.config=/dev/vdc" + (test ? " sbx.test=1" : "");
  }
}
