package dev.sbx.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.UserException;
import org.junit.jupiter.api.Test;

class PortSpecTest {
  @Test
  void tableOfTheReference() {
    assertEquals(new PortSpec("127.0.0.1", 0, 3000, "tcp4"), PortSpec.parse("3000"));
    assertEquals(new PortSpec("127.0.0.1", 8080, 3000, "tcp4"), PortSpec.parse("8080:3000"));
    assertEquals(new PortSpec("127.0.0.1", 8080, 3000, "tcp"), PortSpec.parse("8080:3000/tcp"));
    assertEquals(new PortSpec("::1", 8080, 3000, "tcp6"), PortSpec.parse("[::1]:8080:3000"));
    assertEquals(new PortSpec("0.0.0.0", 8080, 3000, "tcp4"), PortSpec.parse("0.0.0.0:8080:3000"));
    assertEquals("127.0.0.1:8080->3000/tcp4", PortSpec.parse("8080:3000").display());
    assertEquals("[::1]:8080:3000/tcp6", PortSpec.parse("[::1]:8080:3000").spec());
    assertEquals(PortSpec.parse("3000"), PortSpec.parse(PortSpec.parse("3000").spec()), "ephemeral stored as port 0");
    assertEquals(PortSpec.parse("[::1]:8080:3000"), PortSpec.parse(PortSpec.parse("[::1]:8080:3000").spec()));
  }

  @Test
  void badSpecsAreUsageErrors() {
    for (String bad : new String[] {"", "0", "65536", "x", "80:x", "1:2:3:4", "3000/udp", "3000/sctp", "[::1:80:3",
        "a.b.c:1:2"}) {
      UserException e = assertThrows(UserException.class, () -> PortSpec.parse(bad), bad);
      assertEquals(2, e.exitCode(), bad);
      assertTrue(e.getMessage().startsWith("bad publish spec '" + bad + "'"), e.getMessage());
    }
    assertTrue(assertThrows(UserException.class, () -> PortSpec.parse("53/udp")).getMessage().contains("UDP"));
  }
}
