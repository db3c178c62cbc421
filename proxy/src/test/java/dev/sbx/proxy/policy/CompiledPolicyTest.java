package dev.sbx.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.net.AddressClassifier;
import dev.sbx.proxy.net.IpLiterals;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of proxy-threats.md §3.4 and the policy-level checklist cases. */
class CompiledPolicyTest {
  private static final AddressClassifier CLASSIFIER = new AddressClassifier(Set.of());

  static InetAddress addr(String s) {
    return IpLiterals.toAddress(s.contains(":") ? IpLiterals.parseIpv6(s) : IpLiterals.parseIpv4(s));
  }

  /** Full decision for a destination: name step, then (if allowed) the address step. */
  static Verdict decide(CompiledPolicy p, String authority, String resolvesTo) throws Exception {
    Destination d = Destinations.parseAuthority(authority);
    Verdict v = p.decide(d);
    if (!v.allowed()) {
      return v;
    }
    List<InetAddress> addresses = new ArrayList<>();
    switch (d.kind()) {
      case IP -> addresses.add(d.address());
      case LOOPBACK -> {
        addresses.add(addr("127.0.0.1"));
        addresses.add(addr("::1"));
      }
      case NAME -> {
        for (String a : resolvesTo.split(" ")) {
          addresses.add(addr(a));
        }
      }
    }
    Verdict block = p.checkAddresses(d, addresses, false, CLASSIFIER);
    return block == null ? v : block;
  }

  @ParameterizedTest(name = "#{0} {1} with [{2}] → {4}")
  @CsvSource(delimiter = '|', value = {
      " 1 | example.com:443 | allow example.com | 1.1.1.1 | allow",
      " 2 | EXAMPLE.com.:443 | allow example.com | 1.1.1.1 | allow",
      " 3 | www.example.com:443 | allow example.com | 1.1.1.1 | deny",
      " 4 | api.example.com:443 | allow *.example.com | 1.1.1.1 | allow",
      " 5 | example.com:443 | allow *.example.com | 1.1.1.1 | deny",
      " 6 | a.b.example.com:443 | allow *.example.com | 1.1.1.1 | deny",
      " 7 | a.b.example.com:443 | allow **.example.com | 1.1.1.1 | allow",
      " 8 | example.com:443 | allow **.example.com | 1.1.1.1 | deny",
      " 9 | notexample.com:443 | allow *.example.com;allow **.example.com | 1.1.1.1 | deny",
      "10 | anything.test:8080 | allow ** | 1.1.1.1 | allow",
      "11 | example.com:8443 | allow example.com:443 | 1.1.1.1 | deny",
      "12 | 1.1.1.1:443 | allow ** | - | allow",
      "13 | 10.0.0.5:443 | allow ** | - | deny",
      "14 | 10.10.14.5:443 | allow 10.10.14.0/24 | - | allow",
      "15 | 10.10.14.5:443 | allow 0.0.0.0/0 | - | deny",
      "16 | [::ffff:1.1.1.1]:443 | allow 1.1.1.1 | - | allow",
      "17 | 140.82.112.3:443 | allow github.com | - | deny",
      "18 | build.corp:443 | allow 10.10.14.0/24 | 10.10.14.5 | deny",
      "19 | build.corp:443 | allow build.corp | 10.10.14.5 | deny",
      "20 | build.corp:443 | allow build.corp;allow 10.10.14.0/24 | 10.10.14.5 | allow",
      "21 | pypi.org:443 | allow pypi.org;deny 1.1.1.0/24 | 1.1.1.1 | deny",
      "22 | api.example.com:443 | allow *.example.com;deny api.example.com | 1.1.1.1 | deny",
      "23a | localhost:11434 | allow localhost:11434 | - | allow",
      "23b | 127.0.0.1:11434 | allow localhost:11434 | - | allow",
      "23c | [::1]:11434 | allow localhost:11434 | - | allow",
      "23d | host.docker.internal:11434 | allow localhost:11434 | - | allow",
      "24 | localhost:11434 | allow ** | - | deny",
      "25a | 169.254.169.254:80 | allow ** | - | deny",
      "25b | 169.254.169.254:80 | allow 169.254.0.0/16 | - | deny",
      "25c | 169.254.169.254:80 | allow 169.254.169.254 | - | allow",
      "26 | xn--bcher-kva.de:443 | allow bücher.de | 1.1.1.1 | allow",
      "27a | xn--fa-hia.de:443 | allow faß.de | 1.1.1.1 | allow",
      "27b | fass.de:443 | allow faß.de | 1.1.1.1 | deny",
      "28 | xn--pi-6kc.anthropic.com:443 | allow api.anthropic.com | 1.1.1.1 | deny"})
  void examplesTable(String n, String dest, String rules, String resolves, String expected) throws Exception {
    Verdict v = decide(Policies.compile(rules.split(";")), dest, resolves);
    assertEquals(expected.equals("allow"), v.allowed(), v.toString());
  }

  @Test
  void p5DenyAllWinsOverSpecificAllow() throws Exception {
    CompiledPolicy p = Policies.compile("deny **", "allow api.anthropic.com:443");
    Verdict v = decide(p, "api.anthropic.com:443", "1.1.1.1");
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.RULE, v.reason());
  }

  @Test
  void p6DenyNamesTheRule() throws Exception {
    CompiledPolicy p = Policies.compile("allow *.example.com", "deny api.example.com");
    Verdict v = decide(p, "api.example.com:443", "1.1.1.1");
    assertTrue(v.blockMessage(Destinations.parseAuthority("api.example.com:443"))
        .matches("Blocked by network policy: api\\.example\\.com:443 \\(rule: \\w{8} deny api\\.example\\.com\\)"),
        v.blockMessage(Destinations.parseAuthority("api.example.com:443")));
    assertTrue(decide(p, "www.example.com:443", "1.1.1.1").allowed());
  }

  @Test
  void p7SandboxDenyOnlyInThatSandbox() throws Exception {
    PolicyDocument doc = Policies.doc("allow pypi.org", "deny@sb1 pypi.org", "allow@sb2 example.com");
    Destination d = Destinations.parseAuthority("pypi.org:443");
    assertFalse(CompiledPolicy.compile(doc, "sb1").decide(d).allowed());
    assertTrue(CompiledPolicy.compile(doc, "sb2").decide(d).allowed());
    assertTrue(CompiledPolicy.compile(doc, null).decide(d).allowed());
    assertFalse(CompiledPolicy.compile(doc, "sb1").decide(Destinations.parseAuthority("example.com:443")).allowed());
    assertTrue(CompiledPolicy.compile(doc, "sb2").decide(Destinations.parseAuthority("example.com:443")).allowed());
  }

  @Test
  void p8DenyCidrOnResolvedAddressWinsOverAllowCidr() throws Exception {
    CompiledPolicy p = Policies.compile("deny 10.0.0.0/8", "allow build.example", "allow 10.1.2.0/24");
    assertFalse(decide(p, "build.example:443", "10.1.2.3").allowed());
  }

  @Test
  void p13MetadataBlockedUnderAllowAll() throws Exception {
    CompiledPolicy p = Policies.compile("allow **");
    for (String t : List.of("169.254.169.254:80", "[fd00:ec2::254]:80", "169.254.170.2:80", "100.100.100.200:80")) {
      assertFalse(decide(p, t, "-").allowed(), t);
    }
  }

  @Test
  void p15NeverClassesIgnoreIpRules() throws Exception {
    CompiledPolicy p = Policies.compile("allow 0.0.0.0", "allow [::]", "allow 255.255.255.255", "allow 224.0.0.1",
        "allow [ff02::1]", "allow 224.0.0.0/4");
    for (String t : List.of("0.0.0.0:80", "[::]:80", "255.255.255.255:80", "224.0.0.1:80", "[ff02::1]:80")) {
      Verdict v = decide(p, t, "-");
      assertFalse(v.allowed(), t);
      assertEquals(Verdict.Reason.ADDRESS_CLASS, v.reason());
    }
  }

  @Test
  void p16EmbeddedBlockedIpv4() throws Exception {
    CompiledPolicy p = Policies.compile("allow **");
    for (String t : List.of("[64:ff9b::a9fe:a9fe]:80", "[2002:a9fe:a9fe::1]:80",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]:80", "[::127.0.0.1]:80", "[::ffff:127.0.0.1]:443", "[::1]:443",
        "127.0.0.1:8080")) {
      assertFalse(decide(p, t, "-").allowed(), t);
    }
  }

  @Test
  void p17Nat64PublicPasses() throws Exception {
    assertTrue(decide(Policies.compile("allow **"), "[64:ff9b::808:808]:443", "-").allowed());
  }

  @Test
  void p18RangeEdges() throws Exception {
    CompiledPolicy p = Policies.compile("allow **");
    assertTrue(decide(p, "100.63.255.255:443", "-").allowed());
    assertTrue(decide(p, "100.128.0.0:443", "-").allowed());
    for (String t : List.of("100.64.0.0:443", "100.127.255.255:443", "192.0.2.1:443", "198.51.100.1:443",
        "203.0.113.1:443", "198.18.0.1:443", "[2001:db8::1]:443", "[3fff::1]:443")) {
      assertFalse(decide(p, t, "-").allowed(), t);
    }
  }

  @Test
  void p19PrivateAnswerNamedInMessage() throws Exception {
    Verdict v = decide(Policies.compile("allow pypi.org"), "pypi.org:443", "10.0.0.5");
    assertEquals("Blocked by network policy: pypi.org:443 (blocked address class: private 10.0.0.5)",
        v.blockMessage(Destinations.parseAuthority("pypi.org:443")));
    assertTrue(decide(Policies.compile("allow pypi.org", "allow 10.0.0.0/24"), "pypi.org:443", "10.0.0.5").allowed());
  }

  @Test
  void p21MixedAnswersRefused() throws Exception {
    CompiledPolicy p = Policies.compile("allow pypi.org");
    assertFalse(decide(p, "pypi.org:443", "1.1.1.1 127.0.0.1").allowed());
    assertFalse(decide(p, "pypi.org:443", "127.0.0.1").allowed());
    assertFalse(decide(p, "pypi.org:443", "2606:4700::1111 fe80::1").allowed());
  }

  @Test
  void p24LocalhostRule() throws Exception {
    CompiledPolicy p = Policies.compile("allow localhost:11434");
    assertTrue(decide(p, "localhost:11434", "-").allowed());
    assertTrue(decide(p, "host.docker.internal:11434", "-").allowed());
    assertTrue(decide(p, "127.0.0.1:11434", "-").allowed());
    assertTrue(decide(p, "[::1]:11434", "-").allowed());
    assertFalse(decide(p, "localhost:11435", "-").allowed());
    assertFalse(decide(p, "127.0.0.2:11434", "-").allowed());
    assertFalse(decide(Policies.compile("allow **"), "localhost:11434", "-").allowed());
  }

  @Test
  void p25CidrReopensOnlyInsideOneBlockedRange() throws Exception {
    CompiledPolicy p = Policies.compile("allow 10.10.14.0/24");
    assertTrue(decide(p, "10.10.14.5:443", "-").allowed());
    assertFalse(decide(p, "10.10.15.5:443", "-").allowed());
    assertFalse(decide(Policies.compile("allow 0.0.0.0/0"), "10.10.14.5:443", "-").allowed());
    assertFalse(decide(Policies.compile("allow 8.0.0.0/5"), "10.10.14.5:443", "-").allowed());
    assertFalse(decide(Policies.compile("allow ::/0"), "[fc00::1]:443", "-").allowed());
  }

  @Test
  void p26NameRulesNeverMatchLiterals() throws Exception {
    assertFalse(decide(Policies.compile("allow api.github.com"), "140.82.112.3:443", "-").allowed());
  }

  @Test
  void p32LabelBoundaries() throws Exception {
    CompiledPolicy p = Policies.compile("allow github.com", "allow pypi.org");
    for (String t : List.of("github.com.evil.com:443", "evilgithub.com:443", "notpypi.org:443")) {
      assertFalse(decide(p, t, "1.1.1.1").allowed(), t);
    }
  }

  @Test
  void p33Wildcards() throws Exception {
    CompiledPolicy one = Policies.compile("allow *.npmjs.org");
    assertFalse(decide(one, "npmjs.org:443", "1.1.1.1").allowed());
    assertTrue(decide(one, "registry.npmjs.org:443", "1.1.1.1").allowed());
    assertFalse(decide(one, "a.b.npmjs.org:443", "1.1.1.1").allowed());
    CompiledPolicy any = Policies.compile("allow **.npmjs.org");
    assertTrue(decide(any, "a.b.npmjs.org:443", "1.1.1.1").allowed());
    assertFalse(decide(any, "npmjs.org:443", "1.1.1.1").allowed());
  }

  @Test
  void p38PortRules() throws Exception {
    CompiledPolicy p = Policies.compile("allow api.anthropic.com:443", "allow github.com");
    assertFalse(decide(p, "api.anthropic.com:8443", "1.1.1.1").allowed());
    assertTrue(decide(p, "github.com:8443", "1.1.1.1").allowed());
  }

  @Test
  void defaultDenyAndEmptyPolicy() throws Exception {
    Verdict v = CompiledPolicy.denyAll().decide(Destinations.parseAuthority("example.org:443"));
    assertEquals(Verdict.Reason.DEFAULT_DENY, v.reason());
    assertEquals("Blocked by network policy: example.org:443 (rule: default deny)",
        v.blockMessage(Destinations.parseAuthority("example.org:443")));
  }

  @Test
  void explicitAddressesSkipClassCheckButNotDenyRules() throws Exception {
    CompiledPolicy p = Policies.compile("allow pypi.org", "deny 127.0.0.2");
    Destination d = Destinations.parseAuthority("pypi.org:443");
    assertNull(p.checkAddresses(d, List.of(addr("127.0.0.1")), true, CLASSIFIER));
    assertFalse(p.checkAddresses(d, List.of(addr("127.0.0.2")), true, CLASSIFIER).allowed());
  }

  @Test
  void mappedDenyRuleMatchesIpv4() throws Exception {
    CompiledPolicy p = Policies.compile("allow **", "deny 1.1.1.1");
    assertFalse(decide(p, "[::ffff:1.1.1.1]:443", "-").allowed());
  }
}
