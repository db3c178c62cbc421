package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuidNormalizerTest {
  private static final List<CpuidEntry> HOST = List.of(
      new CpuidEntry(0x0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
      new CpuidEntry(0x1, 0, 0, 0x806f8, 0xff_ff_08_00, 0xfffa3203 | (1 << 15), 0x178bfbff),
      new CpuidEntry(0x6, 0, 0, 0x7, 0, 0, 0),
      new CpuidEntry(0x7, 0, 1, 0, 0x1, 1 << 5, 0),
      new CpuidEntry(0xa, 0, 0, 0x07300805, 0, 0, 0x603),
      new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
      new CpuidEntry(0xb, 1, 1, 5, 4, 0x201, 7),
      new CpuidEntry(0xb, 2, 1, 0, 0, 2, 7),
      new CpuidEntry(0x80000008, 0, 0, 0x3930, 0, 0, 0));

  private CpuidEntry leaf(List<CpuidEntry> l, int fn, int idx) {
    return l.stream().filter(e -> e.function() == fn && e.index() == idx).findFirst().orElseThrow();
  }

  @Test
  void leafOneDescribesThisVcpu() {
    List<CpuidEntry> out = CpuidNormalizer.normalize(HOST, 2, 4, 48);
    CpuidEntry l1 = leaf(out, 1, 0);
    assertEquals(2, l1.ebx() >>> 24, "initial APIC ID");
    assertEquals(4, (l1.ebx() >>> 16) & 0xff, "logical processor count");
    assertEquals(0x08, (l1.ebx() >>> 8) & 0xff, "CLFLUSH size kept");
    assertEquals(0, l1.ecx() & (1 << 15), "PDCM hidden");
    assertEquals(1 << 31, l1.ecx() & (1 << 31), "hypervisor bit");
    assertEquals(1 << 24, l1.ecx() & (1 << 24), "TSC deadline");
    assertEquals(1 << 28, l1.edx() & (1 << 28), "HTT with more than one vCPU");
    assertEquals(0, leaf(CpuidNormalizer.normalize(HOST, 0, 1, 48), 1, 0).edx() & (1 << 28));
  }

  @Test
  void hidesTurboWaitpkgAndPmu() {
    List<CpuidEntry> out = CpuidNormalizer.normalize(HOST, 0, 1, 48);
    assertEquals(0x5, leaf(out, 6, 0).eax());
    assertEquals(0, leaf(out, 7, 0).ecx() & (1 << 5));
    CpuidEntry pmu = leaf(out, 0xa, 0);
    assertEquals(0, pmu.eax() | pmu.ebx() | pmu.ecx() | pmu.edx());
  }

  @Test
  void topologyIsOneThreadPerCoreAllInOnePackage() {
    List<CpuidEntry> out = CpuidNormalizer.normalize(HOST, 3, 4, 48);
    assertEquals(new CpuidEntry(0xb, 0, 1, 0, 1, 0x100, 3), leaf(out, 0xb, 0));
    assertEquals(new CpuidEntry(0xb, 1, 1, 2, 4, 0x201, 3), leaf(out, 0xb, 1));
    assertEquals(new CpuidEntry(0xb, 2, 1, 0, 0, 2, 3), leaf(out, 0xb, 2));
  }

  @Test
  void physicalAddressBitsNeverExceedTheHost() {
    assertEquals(0x3924, leaf(CpuidNormalizer.normalize(HOST, 0, 1, 36), 0x80000008, 0).eax());
    assertEquals(0x3930, leaf(CpuidNormalizer.normalize(HOST, 0, 1, 52), 0x80000008, 0).eax());
    assertEquals(leaf(HOST, 0, 0), leaf(CpuidNormalizer.normalize(HOST, 0, 1, 48), 0, 0), "vendor passes through");
  }
}
