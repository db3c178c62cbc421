package dev.sbx.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuleParserTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "example.com | example.com",
      "  Example.COM.  | example.com",
      "example.com:443 | example.com:443",
      "*.example.com | *.example.com",
      "**.example.com:8443 | **.example.com:8443",
      "** | **",
      "**:443 | **:443",
      "10.1.2.3 | 10.1.2.3",
      "10.1.2.3:22 | 10.1.2.3:22",
      "[2001:db8::1] | [2001:db8::1]",
      "[2001:DB8:0::1]:443 | [2001:db8::1]:443",
      "[::ffff:1.1.1.1] | 1.1.1.1",
      "10.0.0.0/8 | 10.0.0.0/8",
      "2001:db8::/32 | 2001:db8::/32",
      "[2001:db8::]/32 | 2001:db8::/32",
      "169.254.169.254/32 | 169.254.169.254/32",
      "localhost:11434 | localhost:11434",
      "LOCALHOST:11434 | localhost:11434",
      "bücher.de | xn--bcher-kva.de",
      "xn--bcher-kva.de | xn--bcher-kva.de",
      "faß.de | xn--fa-hia.de",
      "ａｐｉ.example.com | api.example.com",
      "*.bücher.de | *.xn--bcher-kva.de",
      "my_host.example | my_host.example",
      "crl3.digicert.com:80 | crl3.digicert.com:80"})
  void canonicalForms(String in, String canonical) throws Exception {
    assertEquals(canonical, RuleParser.parse(in).canonical());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "\"\" | empty rule",
      "* | bare '*'",
      "a*.b.com | '*' may only be",
      "a.*.com | '*' may only be",
      "crl*.digicert.com | '*' may only be",
      "*.com | at least two labels",
      "**.com | at least two labels",
      "https://example.com | no scheme",
      "example.com/path | no path",
      "example.com?x=1 | no query",
      "user@example.com | no user name",
      "2001:db8::1 | need brackets",
      "[example.com] | brackets must hold an IPv6",
      "10.0.0.1/8 | host bits set",
      "10.0.0.0/33 | prefix length",
      "10.0.0.0/08 | prefix length",
      "10.0.0.0/8:443 | takes no port",
      "example.com:0 | port '0'",
      "example.com:65536 | port '65536'",
      "example.com:+443 | port '+443'",
      "example.com:0443 | port '0443'",
      "example.com: | port ''",
      "localhost | localhost needs a port",
      "foo.localhost:80 | localhost:PORT",
      "host.docker.internal:80 | localhost:PORT",
      "127。0。0。1 | numeric host",
      "①②⑦.⓪.⓪.① | numeric host",
      "0177.0.0.1 | numeric host",
      "127.1 | numeric host",
      "2130706433 | numeric host",
      "0x7f000001 | numeric host",
      "1.2.3.256 | numeric host",
      "xn--zz.example | xn--zz",
      "a..b.com | ",
      ".example.com | ",
      "-a.example.com | ",
      "exa mple.com | "})
  void refusalsNameTheBadPart(String in, String messagePart) {
    InvalidTargetException e = assertThrows(InvalidTargetException.class, () -> RuleParser.parse(in));
    if (messagePart != null) {
      assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
  }

  @Test
  void longLabelAndLongNameAreRefused() throws Exception {
    assertThrows(InvalidTargetException.class, () -> RuleParser.parse("a".repeat(64) + ".com"));
    String name = ("a".repeat(60) + ".").repeat(4) + "com"; // 247 chars → fine
    RuleParser.parse(name.substring(0, name.length()));
    assertThrows(InvalidTargetException.class, () -> RuleParser.parse("b".repeat(10) + "." + name));
  }

  @Test
  void listRefusesWholeListOnOneBadItem() throws Exception {
    assertEquals(2, RuleParser.parseList("api.example.com, *.npmjs.org").size());
    InvalidTargetException e = assertThrows(InvalidTargetException.class,
        () -> RuleParser.parseList("api.example.com,a*.b.com"));
    assertTrue(e.getMessage().contains("a*.b.com"));
    assertThrows(InvalidTargetException.class, () -> RuleParser.parseList("a.com,,b.com"));
  }

  @Test
  void kinds() throws Exception {
    assertInstanceOf(RuleTarget.Everything.class, RuleParser.parse("**"));
    assertInstanceOf(RuleTarget.Localhost.class, RuleParser.parse("localhost:1"));
    assertInstanceOf(RuleTarget.Ip.class, RuleParser.parse("1.1.1.1"));
    assertInstanceOf(RuleTarget.Range.class, RuleParser.parse("1.1.1.0/24"));
    assertInstanceOf(RuleTarget.Name.class, RuleParser.parse("a.b"));
  }
}
