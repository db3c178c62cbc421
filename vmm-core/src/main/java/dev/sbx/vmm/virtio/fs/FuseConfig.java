package dev.sbx.vmm.virtio.fs;

/**
 * Settings of one shared folder.
 *
 * @param readOnly every modifying request answers EROFS
 * @param ids owner mapping between guest and host
 * @param maxNodes bound on inodes the guest may hold (each is one host {@code O_PATH} descriptor)
 * @param maxHandles bound on open files and directories (each holds up to two host descriptors)
 * @param maxWrite largest WRITE payload and READ size, a multiple of 4096
 * @param readdirplus offer DO_READDIRPLUS in INIT
 * @param timeoutSeconds entry and attribute validity the guest may cache
 */
public record FuseConfig(
    boolean readOnly, IdMapping ids, int maxNodes, int maxHandles, int maxWrite, boolean readdirplus,
    int timeoutSeconds) {

  public FuseConfig {
    if (ids == null) {
      throw new IllegalArgumentException("ids is required");
    }
    if (maxNodes < 2 || maxHandles < 1) {
      throw new IllegalArgumentException("maxNodes must be at least 2 and maxHandles at least 1");
    }
    if (maxWrite < 4096 || maxWrite > (1 << 24) || maxWrite % 4096 != 0) {
      throw new IllegalArgumentException("maxWrite must be a multiple of 4096 between 4 KiB and 16 MiB");
    }
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("timeoutSeconds must not be negative");
    }
  }

  /** 64 Ki nodes and handles, 1 MiB transfers, READDIRPLUS, 1 s caching. */
  public static FuseConfig defaults(boolean readOnly) {
    return new FuseConfig(readOnly, IdMapping.currentUserAsAgent(), 65536, 65536, 1 << 20, true, 1);
  }
}
