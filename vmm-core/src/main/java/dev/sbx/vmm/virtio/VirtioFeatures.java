package dev.sbx.vmm.virtio;

/** Device-independent virtio feature bits (virtio 1.2 §6) and the helpers to test them. */
public final class VirtioFeatures {
  public static final int INDIRECT_DESC = 28;
  public static final int EVENT_IDX = 29;
  public static final int VERSION_1 = 32;
  public static final int ACCESS_PLATFORM = 33;
  public static final int RING_PACKED = 34;

  /** What every sbx device offers on top of its own bits. */
  public static final long RING_FEATURES = bit(VERSION_1) | bit(EVENT_IDX) | bit(INDIRECT_DESC);

  private VirtioFeatures() {}

  public static long bit(int n) {
    return 1L << n;
  }

  public static boolean has(long features, int n) {
    return (features & bit(n)) != 0;
  }
}
