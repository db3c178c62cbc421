package dev.sbx.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jcraft.jsch.ChannelSftp;
import dev.sbx.cli.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sbx cp} against a real SFTP server (OpenSSH's, as in the guest). The "sandbox" side is a
 * directory of this host reached only over SFTP. Needs openssh-server.
 */
class SftpCopyTest {
  @TempDir Path dir;
  Path guest;
  Path host;
  LocalSshd sshd;
  SshKeys keys;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(LocalSshd.available(), "needs /usr/sbin/sshd (Debian package openssh-server)");
    keys = new SshKeys(dir.resolve("ssh"));
    keys.generate("test");
    sshd = new LocalSshd(dir, keys);
    guest = Files.createDirectories(dir.resolve("guest"));
    host = Files.createDirectories(dir.resolve("host"));
  }

  interface Body {
    void run(SftpCopy copy) throws Exception;
  }

  void withCopy(boolean follow, Body body) throws Exception {
    try (SshSession ssh = SshSession.connect(keys, sshd::open, System.getProperty("user.name"))) {
      ChannelSftp sftp = ssh.sftp();
      try {
        body.run(new SftpCopy(sftp, follow));
      } finally {
        sftp.disconnect();
      }
    }
  }

  @Test
  void bothWaysWithDirectoriesModesAndOddNames() throws Exception {
    Path src = Files.createDirectories(host.resolve("proj/sub"));
    Files.writeString(src.resolve("a*b?.txt"), "star");
    Path script = Files.writeString(host.resolve("proj/run.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(host.resolve("proj/link"), Path.of("/etc/hostname"));

    withCopy(false, c -> c.toGuest(host.resolve("proj"), guest.toString()));
    assertEquals("star", Files.readString(guest.resolve("proj/sub/a*b?.txt")));
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(guest.resolve("proj/run.sh"))));
    assertTrue(Files.isSymbolicLink(guest.resolve("proj/link")), "links copied as links without -L");

    withCopy(false, c -> c.toGuest(host.resolve("proj/run.sh"), guest.resolve("renamed.sh").toString()));
    assertTrue(Files.isRegularFile(guest.resolve("renamed.sh")));
    UserException noParent = assertThrows(UserException.class,
        () -> withCopy(false, c -> c.toGuest(script, guest.resolve("none/x").toString())));
    assertEquals("the sandbox has no directory " + guest.resolve("none") + "; create it first", noParent.getMessage());

    Path out = Files.createDirectories(dir.resolve("out"));
    withCopy(false, c -> c.toHost(guest.resolve("proj").toString(), out));
    assertEquals("star", Files.readString(out.resolve("proj/sub/a*b?.txt")));
    assertEquals(Path.of("/etc/hostname"), Files.readSymbolicLink(out.resolve("proj/link")));
    withCopy(true, c -> c.toHost(guest.resolve("proj/link").toString(), out.resolve("followed")));
    assertFalse(Files.isSymbolicLink(out.resolve("followed")));
    assertEquals(Files.readString(Path.of("/etc/hostname")), Files.readString(out.resolve("followed")));
    UserException missing = assertThrows(UserException.class,
        () -> withCopy(false, c -> c.toHost(guest.resolve("nope").toString(), out)));
    assertEquals("no such file in the sandbox: " + guest.resolve("nope"), missing.getMessage());
  }

  @Test
  void copyOutNeverWritesThroughALink() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("victim"), "safe");
    // The sandbox offers a directory whose link points outside and a file of the link's name.
    Files.createDirectories(guest.resolve("evil"));
    Files.createSymbolicLink(guest.resolve("evil/escape"), outside);
    Path out = Files.createDirectories(dir.resolve("out"));
    withCopy(false, c -> c.toHost(guest.resolve("evil").toString(), out));
    assertTrue(Files.isSymbolicLink(out.resolve("evil/escape")));
    // A second copy of a file onto that link's place is refused instead of written through it.
    Files.delete(guest.resolve("evil/escape"));
    Files.writeString(guest.resolve("evil/escape"), "x");
    assertThrows(Exception.class, () -> withCopy(false, c -> c.toHost(guest.resolve("evil").toString(), out)));
    assertEquals("safe", Files.readString(outside.resolve("victim")));
    try (var listing = Files.list(outside)) {
      assertEquals(1, listing.count(), "nothing written outside the destination");
    }
    assertTrue(Files.isSymbolicLink(out.resolve("evil/escape")), "the link was left as it was");
  }

  @Test
  void hostileNamesAreRefused() {
    for (String bad : new String[] {"", ".", "..", "a/b", "../x", "x\0y"}) {
      assertThrows(UserException.class, () -> SftpCopy.checkName(bad), bad);
    }
    assertEquals("ok.txt", SftpCopy.checkName("ok.txt"));
  }
}
