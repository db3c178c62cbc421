package dev.sbx.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.cli.UserException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions against a real OpenSSH server reached through a stream (no TCP), the way sbx reaches
 * the guest's {@code sshd -i} over vsock: pinned host key, exit statuses, separate stdout/stderr,
 * stdin EOF. Needs openssh-server (run-tests installs it).
 */
class SshSessionTest {
  @TempDir Path dir;
  SshKeys keys;
  LocalSshd sshd;
  final String user = System.getProperty("user.name");

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(LocalSshd.available(), "needs /usr/sbin/sshd (Debian package openssh-server)");
    keys = new SshKeys(dir.resolve("ssh"));
    keys.generate("test");
    sshd = new LocalSshd(dir, keys);
  }

  record Ran(int exit, String out, String err) {}

  Ran run(SshSession ssh, String command, String stdin) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = PipeSession.run(ssh, command,
        stdin == null ? null : new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
    return new Ran(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void statusesStreamsAndStdinEof() {
    try (SshSession ssh = SshSession.connect(keys, sshd::open, user)) {
      Ran r = run(ssh, RemoteCommand.build(List.of("sh", "-c", "printf out; printf err >&2; exit 7"), dir.toString(),
          Map.of(), null, false), null);
      assertEquals(new Ran(7, "out", "err"), r);
      Ran cat = run(ssh, RemoteCommand.build(List.of("sh", "-c", "cat; echo done"), dir.toString(), Map.of(), null,
          false), "hello\n");
      assertEquals(new Ran(0, "hello\ndone\n", ""), cat, "stdin reached the command and its EOF ended cat");
      Ran noStdin = run(ssh, RemoteCommand.build(List.of("cat"), dir.toString(), Map.of(), null, false), null);
      assertEquals(0, noStdin.exit(), "without -i the command sees an empty stdin at once");
      Ran signal = run(ssh, RemoteCommand.build(List.of("sh", "-c", "kill -TERM $$"), dir.toString(), Map.of(), null,
          false), null);
      assertEquals(128 + 15, signal.exit());
      Ran env = run(ssh, RemoteCommand.build(List.of("sh", "-c", "printf %s \"$ANTHROPIC_API_KEY\""), dir.toString(),
          Map.of("ANTHROPIC_API_KEY", "proxy-managed"), null, false), null);
      assertEquals("proxy-managed", env.out());
      assertEquals(127, run(ssh, RemoteCommand.build(List.of("no-such-cmd-xyz"), dir.toString(), Map.of(), null, false),
          null).exit());
      byte[] big = new byte[3 << 20];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) ('a' + i % 26);
      }
      Ran wc = run(ssh, RemoteCommand.build(List.of("wc", "-c"), dir.toString(), Map.of(), null, false),
          new String(big, StandardCharsets.US_ASCII));
      assertEquals(String.valueOf(big.length), wc.out().strip(), "3 MiB through the stream without a stall");
    }
  }

  @Test
  void anotherHostKeyIsRefused() throws Exception {
    SshKeys other = new SshKeys(dir.resolve("other"));
    other.generate("other");
    // Pin a different host key than the server presents, with the same client key.
    java.nio.file.Files.copy(keys.clientKey(), other.clientKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.Files.copy(keys.clientPublicKey(), other.clientPublicKey(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    UserException e = assertThrows(UserException.class, () -> SshSession.connect(other, sshd::open, user));
    assertTrue(e.getMessage().contains("unexpected SSH host key"), e.getMessage());
  }
}
