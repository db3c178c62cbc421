package dev.sbx.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "api.anthropic.com:443 | NAME | api.anthropic.com:443",
      "API.ANTHROPIC.COM:443 | NAME | api.anthropic.com:443",
      "api.anthropic.com.:443 | NAME | api.anthropic.com:443",
      "1.1.1.1:443 | IP | 1.1.1.1:443",
      "[::1]:443 | IP | [::1]:443",
      "[::ffff:127.0.0.1]:443 | IP | 127.0.0.1:443",
      "[64:ff9b::a9fe:a9fe]:80 | IP | [64:ff9b::a9fe:a9fe]:80",
      "localhost:11434 | LOOPBACK | localhost:11434",
      "foo.localhost:1 | LOOPBACK | foo.localhost:1",
      "host.docker.internal:11434 | LOOPBACK | host.docker.internal:11434",
      "xn--bcher-kva.de:443 | NAME | xn--bcher-kva.de:443",
      "my_host.example:1 | NAME | my_host.example:1"})
  void connectAuthorities(String in, Destination.Kind kind, String hostPort) throws Exception {
    Destination d = Destinations.parseAuthority(in);
    assertEquals(kind, d.kind());
    assertEquals(hostPort, d.hostPort());
  }

  // P14, P31, P34, P36, P37, P39
  @ParameterizedTest
  @ValueSource(strings = {"2130706433:80", "0x7f000001:80", "0177.0.0.1:80", "127.1:80", "0:80",
      "[fe80::1%eth0]:443", "[fe80::1%25eth0]:443", "api.anthropic.com..:443", ".api.anthropic.com:443",
      "аpi.anthropic.com:443", "ａｐｉ.anthropic.com:443", "127。0。0。1:443", "①②⑦.⓪.⓪.①:443",
      "xn--zz.example:443", "[api.anthropic.com]:443", "[pypi.org]:443", "user@pypi.org:443", "pypi%2eorg:443",
      "pypi.org :443", "api.anthropic.com", "api.anthropic.com:", "api.anthropic.com:99999",
      "api.anthropic.com:0", "api.anthropic.com:0443", "api.anthropic.com:+443", "::1:443", "[::1]", ":443",
      "http://pypi.org/", "pypi.org:443/x"})
  void badAuthoritiesAre400(String in) {
    assertThrows(InvalidTargetException.class, () -> Destinations.parseAuthority(in));
  }

  @Test
  void labelAndNameLengthLimits() throws Exception {
    assertThrows(InvalidTargetException.class, () -> Destinations.parseAuthority("a".repeat(64) + ".com:443"));
    Destinations.parseAuthority("a".repeat(63) + ".com:443");
    String n254 = ("a".repeat(62) + ".").repeat(4) + "ab"; // 254 characters
    assertEquals(254, n254.length());
    assertThrows(InvalidTargetException.class, () -> Destinations.parseAuthority(n254 + ":443"));
  }

  @Test
  void httpTargets() throws Exception {
    Destinations.HttpTarget t = Destinations.parseHttpTarget("http://PyPI.org/simple/?q=1");
    assertEquals("pypi.org:80", t.destination().hostPort());
    assertEquals("/simple/?q=1", t.originForm());
    assertEquals("/", Destinations.parseHttpTarget("http://pypi.org").originForm());
    assertEquals("/?a", Destinations.parseHttpTarget("http://pypi.org?a").originForm());
    assertEquals("pypi.org:8080", Destinations.parseHttpTarget("http://pypi.org:8080/").destination().hostPort());
    assertEquals("[::1]:80", Destinations.parseHttpTarget("http://[::1]/").destination().hostPort());
    assertEquals("/a%0d%0ab", Destinations.parseHttpTarget("http://pypi.org/a%0d%0ab").originForm());
  }

  // P59, P61, P62, P76
  @ParameterizedTest
  @ValueSource(strings = {"https://api.anthropic.com/", "/x", "pypi.org:80", "http://user@pypi.org@evil.com/",
      "http://pypi.org\\@evil.com/", "http://evil.com#@pypi.org/", "http://1.1.1.1 &@2.2.2.2# @3.3.3.3/",
      "http://pypi.org/a b", "http://pypi.org/a\r\nX: y", "http:///x", "http://:80/", "http://pypi.org:/",
      "http://127.1/", "ftp://pypi.org/"})
  void badHttpTargetsAre400(String in) {
    assertThrows(InvalidTargetException.class, () -> Destinations.parseHttpTarget(in));
  }
}
