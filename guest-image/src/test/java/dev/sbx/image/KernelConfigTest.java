package dev.sbx.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The fragment asks for what the guest needs (issue 4's list). Whether Kconfig keeps every
 * option is checked by build-kernel.sh on the real source; the boot tests check the result.
 */
class KernelConfigTest {

  private static Set<String> enabled() throws IOException {
    return Files.readAllLines(Path.of("src/main/recipe/kernel/sbx.config")).stream()
        .filter(l -> l.endsWith("=y")).map(l -> l.substring(0, l.length() - 2))
        .collect(Collectors.toSet());
  }

  @Test
  void fragmentEnablesWhatTheGuestNeeds() throws IOException {
    Set<String> on = enabled();
    for (String option : List.of(
        "CONFIG_PVH", "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES", "CONFIG_ACPI",
        "CONFIG_PCI", "CONFIG_VIRTIO_BLK", "CONFIG_VIRTIO_VSOCKETS", "CONFIG_VIRTIO_FS",
        "CONFIG_HW_RANDOM_VIRTIO", "CONFIG_VIRTIO_CONSOLE", "CONFIG_SERIAL_8250_CONSOLE",
        "CONFIG_EXT4_FS", "CONFIG_OVERLAY_FS", "CONFIG_NAMESPACES", "CONFIG_USER_NS",
        "CONFIG_CGROUPS", "CONFIG_MEMCG", "CONFIG_CGROUP_BPF", "CONFIG_SECCOMP_FILTER",
        "CONFIG_BPF_SYSCALL", "CONFIG_NF_TABLES", "CONFIG_NFT_COMPAT", "CONFIG_IP_NF_NAT",
        "CONFIG_NETFILTER_XT_MATCH_ADDRTYPE", "CONFIG_NETFILTER_XT_MATCH_CONNTRACK",
        "CONFIG_BRIDGE", "CONFIG_BRIDGE_NETFILTER", "CONFIG_VETH", "CONFIG_POSIX_MQUEUE",
        "CONFIG_KEYS", "CONFIG_DEVPORT")) {
      assertTrue(on.contains(option), option + " missing from kernel/sbx.config");
    }
  }

  @Test
  void fragmentBuildsNoModules() throws IOException {
    assertFalse(enabled().contains("CONFIG_MODULES"));
  }
}
