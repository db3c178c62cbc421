package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the hypervisor's supported CPUID set into what one vCPU sees, the way Firecracker
 * normalizes it (docs/cpu_templates/cpuid-normalization.md): the vendor passes through; APIC IDs,
 * topology and the hypervisor bit describe this VM; features a VM cannot honour (performance
 * monitoring, turbo, WAITPKG) are hidden; the physical-address width never exceeds the host's.
 */
public final class CpuidNormalizer {
  static final int LEAF_FEATURES = 0x1;
  static final int LEAF_CACHE_PARAMS = 0x4;
  static final int LEAF_THERMAL_POWER = 0x6;
  static final int LEAF_EXTENDED_FEATURES = 0x7;
  static final int LEAF_PMU = 0xa;
  static final int LEAF_TOPOLOGY = 0xb;
  static final int LEAF_TOPOLOGY_V2 = 0x1f;
  static final int LEAF_ADDRESS_SIZES = 0x80000008;

  static final int ECX_PDCM = 1 << 15;
  static final int ECX_TSC_DEADLINE = 1 << 24;
  static final int ECX_HYPERVISOR = 1 << 31;
  static final int EDX_HTT = 1 << 28;
  static final int EAX_TURBO = 1 << 1;
  static final int ECX_WAITPKG = 1 << 5;

  private CpuidNormalizer() {}

  /**
   * @param supported the backend's supported leaves
   * @param vcpuIndex this vCPU (its APIC ID)
   * @param vcpuCount vCPUs in the VM (one core each, one package, no SMT)
   * @param hostPhysBits physical-address bits the host can back
   */
  public static List<CpuidEntry> normalize(List<CpuidEntry> supported, int vcpuIndex, int vcpuCount,
      int hostPhysBits) {
    List<CpuidEntry> out = new ArrayList<>(supported.size());
    int coreShift = 32 - Integer.numberOfLeadingZeros(Math.max(vcpuCount - 1, 0));
    for (CpuidEntry e : supported) {
      switch (e.function()) {
        case LEAF_FEATURES -> {
          int ebx = (e.ebx() & 0x0000_ffff) | ((vcpuCount & 0xff) << 16) | ((vcpuIndex & 0xff) << 24);
          int ecx = (e.ecx() & ~ECX_PDCM) | ECX_TSC_DEADLINE | ECX_HYPERVISOR;
          int edx = vcpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
          out.add(e.withRegisters(e.eax(), ebx, ecx, edx));
        }
        case LEAF_CACHE_PARAMS -> {
          // EAX[31:26]: cores per package - 1; EAX[25:14]: logical CPUs sharing this cache - 1.
          int cacheLevel = (e.eax() >>> 5) & 0x7;
          int sharing = cacheLevel >= 3 ? vcpuCount - 1 : 0;
          int eax = (e.eax() & 0x3fff) | ((sharing & 0xfff) << 14) | (((vcpuCount - 1) & 0x3f) << 26);
          out.add(e.withRegisters(eax, e.ebx(), e.ecx(), e.edx()));
        }
        case LEAF_THERMAL_POWER -> out.add(e.withRegisters(e.eax() & ~EAX_TURBO, e.ebx(), e.ecx(), e.edx()));
        case LEAF_EXTENDED_FEATURES -> out.add(e.index() == 0
            ? e.withRegisters(e.eax(), e.ebx(), e.ecx() & ~ECX_WAITPKG, e.edx()) : e);
        case LEAF_PMU -> out.add(e.withRegisters(0, 0, 0, 0));
        case LEAF_TOPOLOGY, LEAF_TOPOLOGY_V2 -> out.add(topology(e, vcpuIndex, vcpuCount, coreShift));
        case LEAF_ADDRESS_SIZES -> {
          int phys = Math.min(e.eax() & 0xff, hostPhysBits);
          out.add(e.withRegisters((e.eax() & ~0xff) | phys, e.ebx(), e.ecx(), e.edx()));
        }
        default -> out.add(e);
      }
    }
    return List.copyOf(out);
  }

  /** Leaf 0xB/0x1F: level 0 = SMT (one thread per core), level 1 = core (all vCPUs), then none. */
  private static CpuidEntry topology(CpuidEntry e, int vcpuIndex, int vcpuCount, int coreShift) {
    return switch (e.index()) {
      case 0 -> e.withRegisters(0, 1, (1 << 8), vcpuIndex);
      case 1 -> e.withRegisters(coreShift, vcpuCount, 1 | (2 << 8), vcpuIndex);
      default -> e.withRegisters(0, 0, e.index() & 0xff, vcpuIndex);
    };
  }
}
