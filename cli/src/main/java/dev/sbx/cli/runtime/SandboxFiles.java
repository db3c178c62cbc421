package dev.sbx.cli.runtime;

import java.nio.file.Path;

/**
 * The files of one sandbox directory (design §6), named in one place for the CLI and sbx-vmm.
 * {@code run/} holds the VMM's private sockets (vhost-user, vsock, console); it is 0700 and
 * emptied whenever a VMM starts or ends.
 */
public record SandboxFiles(Path dir) {
  /** sun_path holds 108 bytes including the terminating NUL. */
  public static final int MAX_SOCKET_PATH = 107;

  public SandboxFiles {
    dir = dir.toAbsolutePath().normalize();
  }

  /** The VmSpec the CLI writes before each start. */
  public Path spec() {
    return dir.resolve("vm.json");
  }

  public Path state() {
    return dir.resolve("vmm-state.json");
  }

  public Path pid() {
    return dir.resolve("vmm.pid");
  }

  /** Control socket, 0600. */
  public Path socket() {
    return dir.resolve("vmm.sock");
  }

  /** Held (flock) by the live sbx-vmm: at most one VMM per sandbox. */
  public Path lock() {
    return dir.resolve("vmm.lock");
  }

  public Path console() {
    return dir.resolve("console.log");
  }

  /** sbx-vmm's own log (its stdout and stderr). */
  public Path vmmLog() {
    return dir.resolve("vmm.log");
  }

  /** QEMU's own messages (tcg engine). */
  public Path qemuLog() {
    return dir.resolve("qemu.log");
  }

  public Path proxyLog() {
    return dir.resolve("proxy.log");
  }

  public Path dataDisk() {
    return dir.resolve("data.img");
  }

  /** Rewritten at every start from the VmSpec, the keys and the proxy CA. */
  public Path configDisk() {
    return dir.resolve("config.img");
  }

  public Path sshDir() {
    return dir.resolve("ssh");
  }

  public Path runDir() {
    return dir.resolve("run");
  }

  /** The sandbox's egress proxy (a Unix socket: no TCP listener), behind vsock port 3128. */
  public Path proxySocket() {
    return runDir().resolve("proxy.sock");
  }

  /** The vsock device's host socket (Firecracker's CONNECT convention), behind the control socket. */
  public Path vsockSocket() {
    return runDir().resolve("vsock.sock");
  }

  /**
   * The longest socket path a VMM of this sandbox may create: the vsock device's per-port
   * sockets ({@code vsock.sock_<u32 port>}) in {@code run/}.
   */
  public int longestSocketPathBytes() {
    return vsockSocket().resolveSibling("vsock.sock_4294967295").toString()
        .getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
