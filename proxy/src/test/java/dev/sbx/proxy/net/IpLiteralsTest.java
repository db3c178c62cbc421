package dev.sbx.proxy.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.0.0.1", "127.0.0.1"})
  void strictDottedQuadsParse(String s) {
    assertNotNull(IpLiterals.parseIpv4(s));
    assertEquals(s, IpLiterals.format(IpLiterals.parseIpv4(s)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0177.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "1.2.3.256", "1.2.3",
      "1.2.3.4.5", "01.2.3.4", "1..2.3", ".1.2.3", "1.2.3.", "+1.2.3.4", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", ""})
  void otherNumericFormsAreRefused(String s) {
    assertNull(IpLiterals.parseIpv4(s));
  }

  @ParameterizedTest
  @CsvSource({
      "::, ::", "::1, ::1", "2001:db8::1, 2001:db8::1", "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
      "::ffff:1.2.3.4, ::ffff:102:304", "64:ff9b::a9fe:a9fe, 64:ff9b::a9fe:a9fe",
      "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8", "1::, 1::", "fe80::1, fe80::1", "::127.0.0.1, ::7f00:1",
      "1:0:0:2:0:0:0:3, 1:0:0:2::3", "2001:0:4136:e378:8000:63bf:3fff:fdd2, 2001:0:4136:e378:8000:63bf:3fff:fdd2"})
  void ipv6ParsesAndFormatsRfc5952(String in, String canonical) {
    byte[] b = IpLiterals.parseIpv6(in);
    assertNotNull(b, in);
    assertEquals(canonical, IpLiterals.format(b));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::1%eth0", "fe80::1%25eth0", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::",
      "1:2:3:4:5:6:7", ":1::", "1::2:", "::1.2.3.256", "::01.2.3.4", "g::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
      "1.2.3.4", "[::1]", "1:2:3:4:5:6:1.2.3.4:5"})
  void badIpv6IsRefused(String s) {
    assertNull(IpLiterals.parseIpv6(s), s);
  }
}
