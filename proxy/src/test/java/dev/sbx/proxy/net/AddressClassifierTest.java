package dev.sbx.proxy.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressClassifierTest {
  private final AddressClassifier classifier = new AddressClassifier(Set.of());

  static InetAddress addr(String s) {
    byte[] b = s.contains(":") ? IpLiterals.parseIpv6(s) : IpLiterals.parseIpv4(s);
    return IpLiterals.toAddress(b);
  }

  // First, last and just-outside addresses of each range, plus the Smokescreen vectors.
  @ParameterizedTest
  @CsvSource({
      "0.0.0.0, THIS_NETWORK", "0.255.255.255, THIS_NETWORK", "1.0.0.0, PUBLIC",
      "9.255.255.255, PUBLIC", "10.0.0.0, PRIVATE", "10.255.255.255, PRIVATE", "11.0.0.0, PUBLIC",
      "100.63.255.254, PUBLIC", "100.63.255.255, PUBLIC", "100.64.0.0, SHARED_CGNAT", "100.127.255.255, SHARED_CGNAT",
      "100.128.0.0, PUBLIC", "100.128.0.1, PUBLIC", "100.100.100.200, METADATA",
      "126.255.255.255, PUBLIC", "127.0.0.0, LOOPBACK", "127.255.255.255, LOOPBACK", "128.0.0.0, PUBLIC",
      "169.253.255.255, PUBLIC", "169.254.0.0, LINK_LOCAL", "169.254.255.255, LINK_LOCAL", "169.255.0.0, PUBLIC",
      "169.254.169.254, METADATA", "169.254.170.2, METADATA",
      "172.15.255.255, PUBLIC", "172.16.0.0, PRIVATE", "172.31.255.255, PRIVATE", "172.32.0.0, PUBLIC",
      "192.0.0.0, IETF_PROTOCOL", "192.0.0.255, IETF_PROTOCOL", "192.0.1.0, PUBLIC",
      "192.0.2.0, DOCUMENTATION", "192.0.2.255, DOCUMENTATION", "192.0.3.0, PUBLIC",
      "192.88.98.255, PUBLIC", "192.88.99.0, RELAY_6TO4", "192.88.99.255, RELAY_6TO4", "192.88.100.0, PUBLIC",
      "192.167.255.255, PUBLIC", "192.168.0.0, PRIVATE", "192.168.255.255, PRIVATE", "192.169.0.0, PUBLIC",
      "198.17.255.255, PUBLIC", "198.18.0.0, BENCHMARKING", "198.19.255.255, BENCHMARKING", "198.20.0.0, PUBLIC",
      "198.51.100.1, DOCUMENTATION", "203.0.113.1, DOCUMENTATION", "203.0.114.0, PUBLIC",
      "223.255.255.255, PUBLIC", "224.0.0.0, MULTICAST", "239.255.255.255, MULTICAST",
      "240.0.0.0, RESERVED", "255.255.255.254, RESERVED", "255.255.255.255, BROADCAST",
      "1.1.1.1, PUBLIC", "8.8.8.8, PUBLIC",
      "::, UNSPECIFIED", "::1, LOOPBACK", "::2, IPV4_COMPATIBLE", "::127.0.0.1, IPV4_COMPATIBLE",
      "::ffff:127.0.0.1, LOOPBACK", "::ffff:10.0.0.1, PRIVATE", "::ffff:1.1.1.1, PUBLIC",
      "::ffff:169.254.169.254, METADATA",
      "64:ff9b::a9fe:a9fe, METADATA", "64:ff9b::a00:1, PRIVATE", "64:ff9b::808:808, PUBLIC", "64:ff9b::7f00:1, LOOPBACK",
      "64:ff9b:1::1, NAT64_LOCAL", "100::1, DISCARD", "100:0:0:1::, NOT_GLOBAL_UNICAST",
      "2001:db8::1, DOCUMENTATION", "2001::1, IETF_PROTOCOL", "2001:0:4136:e378:8000:63bf:3fff:fdd2, IETF_PROTOCOL",
      "2001:2::1, IETF_PROTOCOL", "2001:1ff:ffff::1, IETF_PROTOCOL", "2001:200::1, PUBLIC",
      "2002:a00:1::1, SIX_TO_FOUR", "2002:a9fe:a9fe::1, SIX_TO_FOUR", "3fff::1, DOCUMENTATION", "3fff:fff::1, DOCUMENTATION",
      "3fff:1000::1, PUBLIC",
      "fc00::1, UNIQUE_LOCAL", "fdff:ffff::1, UNIQUE_LOCAL", "fd00:ec2::254, METADATA", "fe80::1, LINK_LOCAL",
      "febf::1, LINK_LOCAL", "fec0::1, SITE_LOCAL", "ff02::1, MULTICAST", "ff02::2, MULTICAST",
      "2606:4700::1111, PUBLIC", "4000::1, NOT_GLOBAL_UNICAST", "1fff::1, NOT_GLOBAL_UNICAST"})
  void classifies(String address, AddressClass expected) {
    assertEquals(expected, classifier.classify(addr(address)).addressClass(), address);
  }

  @Test
  void hostInterfaceAddressesAreBlocked() {
    AddressClassifier c = new AddressClassifier(Set.of(addr("203.0.114.7")));
    assertEquals(AddressClass.HOST_INTERFACE, c.classify(addr("203.0.114.7")).addressClass());
    assertEquals(AddressClass.HOST_INTERFACE, c.classify(addr("::ffff:203.0.114.7")).addressClass());
    assertEquals(AddressClass.PUBLIC, c.classify(addr("203.0.114.8")).addressClass());
  }

  @Test
  void describeNamesClassAndAddress() {
    assertEquals("private 10.0.0.5", classifier.classify(addr("10.0.0.5")).describe());
  }
}
