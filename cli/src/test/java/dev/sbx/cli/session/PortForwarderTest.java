package dev.sbx.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.cli.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Published ports through SSH local forwarding to a real sshd (the "guest" is this host). Needs openssh-server. */
class PortForwarderTest {
  @TempDir Path dir;

  @Test
  void publishAnswersConflictsAreReportedUnpublishCloses() throws Exception {
    assumeTrue(LocalSshd.available(), "needs /usr/sbin/sshd (Debian package openssh-server)");
    SshKeys keys = new SshKeys(dir.resolve("ssh"));
    keys.generate("test");
    LocalSshd sshd = new LocalSshd(dir, keys);
    // The guest's service, listening on loopback only.
    try (ServerSocket service = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
         ServerSocket taken = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
         PortForwarder ports = new PortForwarder(keys, sshd::open, System.getProperty("user.name"))) {
      Thread server = new Thread(() -> {
        try {
          while (true) {
            try (Socket s = service.accept()) {
              s.getOutputStream().write("hello from the sandbox\n".getBytes(StandardCharsets.US_ASCII));
            }
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      server.setDaemon(true);
      server.start();

      PortSpec bound = ports.publish(PortSpec.parse(String.valueOf(service.getLocalPort())));
      assertEquals("127.0.0.1", bound.hostIp());
      assertNotEquals(0, bound.hostPort());
      assertEquals("hello from the sandbox\n", read(bound.hostPort()));
      assertEquals(List.of(bound), ports.ports());

      UserException inUse = assertThrows(UserException.class,
          () -> ports.publish(PortSpec.parse(taken.getLocalPort() + ":" + service.getLocalPort())));
      assertEquals("host port 127.0.0.1:" + taken.getLocalPort() + " is in use; choose another, or publish "
          + service.getLocalPort() + " alone for an ephemeral port", inUse.getMessage());
      assertEquals(List.of(bound), ports.ports());

      assertEquals(List.of(bound), ports.unpublish(PortSpec.parse(String.valueOf(service.getLocalPort()))));
      assertTrue(ports.ports().isEmpty());
      // The host port was released: publishing it again explicitly succeeds (it would be "in use").
      PortSpec again = ports.publish(PortSpec.parse(bound.hostPort() + ":" + service.getLocalPort()));
      assertEquals(bound, again);
      assertEquals("hello from the sandbox\n", read(again.hostPort()));
    }
  }

  private static String read(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port); InputStream in = s.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
