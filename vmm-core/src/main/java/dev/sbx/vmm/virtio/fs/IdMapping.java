package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.os.linux.LinuxFiles;

/**
 * How owners look across the share. The server runs as one host user and creates every file as
 * that user, whoever the guest caller is (virtiofsd's {@code squash-guest}). That host user and
 * group appear in the guest as {@code guestUid}/{@code guestGid} ({@code agent}, 1000); every other
 * host owner appears as {@link #OVERFLOW_ID} (65534, {@code nobody}), so no host id leaks in and no
 * host file can pass for the agent's. The guest may chown only to the mapped ids.
 */
public record IdMapping(int guestUid, int guestGid, int hostUid, int hostGid) {
  public static final int OVERFLOW_ID = 65534;

  /** The invoking host user shown as guest uid/gid 1000. */
  public static IdMapping currentUserAsAgent() {
    return new IdMapping(1000, 1000, LinuxFiles.getuid(), LinuxFiles.getgid());
  }

  int uidToGuest(int hostId) {
    return hostId == hostUid ? guestUid : OVERFLOW_ID;
  }

  int gidToGuest(int hostId) {
    return hostId == hostGid ? guestGid : OVERFLOW_ID;
  }
}
