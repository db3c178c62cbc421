package dev.sbx.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket's protocol and its behaviour under hostile input, with a real Unix socket. */
class ControlServerTest {
  @TempDir Path dir;
  private SandboxFiles files;
  private ControlServer server;
  private final VmmStatus status = new VmmStatus(VmmStatus.RUNNING, 1234, "tcg", Instant.parse("2026-11-23T04:00:00Z"),
      Optional.empty());

  @BeforeEach
  void start() throws Exception {
    files = new SandboxFiles(dir);
    server = ControlServer.start(files.socket(), files.runDir());
    server.register("STATUS", (arg, conn) -> conn.reply(status.toJson()));
    server.register("STOP", (arg, conn) -> conn.reply("OK"));
    // CONNECT as an echo service: the same relay the VMM uses, against a local peer.
    server.register("CONNECT", (arg, conn) -> {
      if (!arg.equals("7")) {
        conn.reply("ERR nothing accepted the connection on guest vsock port " + arg);
        return;
      }
      conn.reply("OK 7");
      ByteBuffer b = ByteBuffer.allocate(4096);
      while (conn.channel().read(b) >= 0) {
        b.flip();
        conn.channel().write(b);
        b.clear();
      }
    });
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private SocketChannel open() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(files.socket()));
    return ch;
  }

  private String request(byte[] raw) throws IOException {
    try (SocketChannel ch = open()) {
      ch.write(ByteBuffer.wrap(raw));
      return LineReader.read(ch, 1 << 16);
    }
  }

  private String request(String line) throws IOException {
    return request((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void socketIsPrivateToTheUser() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.socket())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.runDir())));
  }

  @Test
  void statusStopAndConnectThroughTheClient() throws Exception {
    VmmControl c = VmmControl.connect(dir).orElseThrow();
    assertEquals(status, c.status());
    try (SocketChannel ch = c.openVsock(7)) {
      ch.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("ping", LineReader.read(ch, 64));
    }
    IOException refused = assertThrows(IOException.class, () -> c.openVsock(22));
    assertTrue(refused.getMessage().contains("nothing accepted"), refused.getMessage());
    assertEquals("OK", request("STOP 5"));
  }

  @Test
  void verbsAreCaseInsensitiveAndCrlfIsAccepted() throws Exception {
    assertEquals(status.toJson(), request("status"));
    assertEquals(status.toJson(), request("STATUS\r"));
  }

  @Test
  void unknownVerbsGetAnErrorNamingTheKnownOnes() throws Exception {
    String r = request("REBOOT now");
    assertTrue(r.startsWith("ERR unknown request 'REBOOT'"), r);
    assertTrue(r.contains("STATUS") && r.contains("CONNECT"), r);
    assertTrue(request("").startsWith("ERR unknown request"));
  }

  @Test
  void controlBytesAreNeverEchoedBack() throws Exception {
    String r = request(new byte[] {'\u001b', '[', '2', 'J', 0, (byte) 0xff, '\n'});
    assertTrue(r.startsWith("ERR unknown request"), r);
    for (char ch : r.toCharArray()) {
      assertTrue(ch >= 0x20 && ch < 0x7f, "printable only: " + r);
    }
  }

  @Test
  void anOverlongLineIsRefusedWithoutBuffering() throws Exception {
    byte[] big = new byte[ControlServer.MAX_LINE * 4];
    java.util.Arrays.fill(big, (byte) 'A');
    try (SocketChannel ch = open()) {
      ByteBuffer b = ByteBuffer.wrap(big);
      try {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      } catch (IOException e) {
        // The server may close before taking it all.
      }
      assertEquals("ERR request line longer than " + ControlServer.MAX_LINE + " bytes", LineReader.read(ch, 256));
    }
  }

  @Test
  void badArgumentsAreErrorsNotCrashes() throws Exception {
    assertTrue(request("CONNECT -1").startsWith("ERR"));
    assertTrue(request("CONNECT 99999999999999999999").startsWith("ERR"));
    assertEquals(status.toJson(), request("STATUS"), "the server still answers");
  }

  @Test
  void aClientThatClosesMidLineDoesNotDisturbOthers() throws Exception {
    try (SocketChannel ch = open()) {
      ch.write(ByteBuffer.wrap("STAT".getBytes(StandardCharsets.US_ASCII)));
    }
    assertEquals(status.toJson(), request("STATUS"));
  }

  @Test
  void connectionsBeyondTheLimitAreTurnedAway() throws Exception {
    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
        idle.add(open());
      }
      // Every slot is held by a silent client: the next one is told so, not queued.
      String r = null;
      for (int attempt = 0; attempt < 50 && r == null; attempt++) {
        try (SocketChannel ch = open()) {
          String line = LineReader.read(ch, 256);
          r = line.startsWith("ERR too many") ? line : null;
        } catch (EOFException e) {
          // A slot was being released; try again.
        }
      }
      assertEquals("ERR too many control connections; try again", r);
    } finally {
      for (SocketChannel ch : idle) {
        ch.close();
      }
    }
  }

  @Test
  void closingRemovesTheSocketAndClientsSeeNoVmm() throws Exception {
    server.close();
    assertFalse(Files.exists(files.socket()));
    assertTrue(VmmControl.connect(dir).isEmpty());
  }
}
