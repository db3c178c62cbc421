package dev.sbx.cli.runtime;

import dev.sbx.cli.session.SshKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * Graceful poweroff through the guest's sshd (vsock port 22, the sandbox's own keys):
 * {@code sudo -n poweroff} as {@code agent} signals init, which stops dockerd, syncs and
 * remounts the data disk read-only and ends the VM. Without the sandbox's keys (a VM started
 * outside the CLI) there is no way in, and the stop is forced.
 */
final class SshPowerOff implements GuestPowerOff {
  private static final int SSH_PORT = 22;

  @Override
  public void request(SandboxFiles files, Duration within) throws IOException {
    SshKeys keys = new SshKeys(files.sshDir());
    if (!Files.isRegularFile(keys.clientKey()) || !Files.isRegularFile(keys.hostPublicKey())) {
      throw new IOException("the sandbox has no SSH keys in " + files.sshDir());
    }
    GuestSsh.Result r = GuestSsh.exec(GuestVsock.connect(files, SSH_PORT), files, "sudo -n /usr/local/sbin/poweroff", within);
    if (r.exitStatus() != 0 && r.exitStatus() != -1) {
      throw new IOException("poweroff in the guest failed (" + r.exitStatus() + "): " + r.stderr().strip());
    }
  }
}
