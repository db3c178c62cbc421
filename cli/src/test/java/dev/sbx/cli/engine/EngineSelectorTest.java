package dev.sbx.cli.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineSelectorTest {
  private static final HostFacts HARDWARE = new HostFacts("linux", Optional.empty(), true);
  private static final HostFacts PVM = new HostFacts("linux",
      Optional.of("/dev/kvm is provided by the kvm_pvm module"), true);
  private static final HostFacts NO_KVM_NO_QEMU = new HostFacts("linux",
      Optional.of("/dev/kvm does not exist"), false);

  @Test
  void autoPrefersHardwareKvm() {
    assertEquals(new EngineChoice(Engine.KVM, Optional.empty()), EngineSelector.select("auto", HARDWARE));
  }

  @Test
  void autoFallsBackToTcgWithAWarningOnAnEmulatingKvm() {
    EngineChoice c = EngineSelector.select("auto", PVM);
    assertEquals(Engine.TCG, c.engine());
    assertTrue(c.warning().orElseThrow().contains("kvm_pvm"));
    assertTrue(c.warning().orElseThrow().contains("much slower"));
  }

  @Test
  void noEngineAtAllNamesTheInstallCommand() {
    UserException e = assertThrows(UserException.class, () -> EngineSelector.select("auto", NO_KVM_NO_QEMU));
    assertTrue(e.getMessage().contains("apt-get install -y qemu-system-x86"), e.getMessage());
    UserException t = assertThrows(UserException.class, () -> EngineSelector.select("tcg", NO_KVM_NO_QEMU));
    assertTrue(t.getMessage().contains("apt-get install"), t.getMessage());
  }

  @Test
  void explicitChoicesWin() {
    assertEquals(Engine.TCG, EngineSelector.select("tcg", HARDWARE).engine());
    EngineChoice kvmOnPvm = EngineSelector.select("KVM", PVM);
    assertEquals(Engine.KVM, kvmOnPvm.engine());
    assertTrue(kvmOnPvm.warning().orElseThrow().contains("will not boot"));
    assertThrows(UserException.class, () -> EngineSelector.select("kvm", NO_KVM_NO_QEMU));
    assertThrows(UserException.class, () -> EngineSelector.select("hvf", HARDWARE));
    assertThrows(UserException.class, () -> EngineSelector.select("whp", HARDWARE));
  }

  @Test
  void unknownEngineIsAUsageError() {
    UserException e = assertThrows(UserException.class, () -> EngineSelector.select("xen", HARDWARE));
    assertEquals(ExitCodes.USAGE, e.exitCode());
    assertEquals("unknown engine 'xen'; use auto, kvm, hvf, whp or tcg", e.getMessage());
  }

  @Test
  void otherPlatformsUseTheirOwnEngine() {
    HostFacts mac = new HostFacts("mac os x", Optional.of("/dev/kvm does not exist"), true);
    UserException e = assertThrows(UserException.class, () -> EngineSelector.select("auto", mac));
    assertTrue(e.getMessage().contains("hvf"));
  }

  @Test
  void thisHostIsProbed() {
    HostFacts here = EngineSelector.probeHost();
    assertTrue(here.linux());
  }
}
