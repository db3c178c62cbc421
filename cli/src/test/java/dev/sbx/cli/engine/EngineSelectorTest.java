package dev.sbx.cli.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineAvailability;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineSelectorTest {
  private static final EngineAvailability NO_QEMU = EngineAvailability.missing(
      "QEMU for the tcg engine is not installed; install it with: sudo apt-get install -y qemu-system-x86");
  private static final EngineAvailability NOT_MAC = EngineAvailability.foreign("the hvf engine needs macOS on Apple silicon");
  private static final EngineAvailability NOT_WINDOWS = EngineAvailability.foreign("the whp engine needs Windows");

  private static List<EngineProbe> linux(EngineAvailability kvm, EngineAvailability tcg) {
    return List.of(new EngineProbe("kvm", true, kvm), new EngineProbe("hvf", true, NOT_MAC),
        new EngineProbe("whp", true, NOT_WINDOWS), new EngineProbe("tcg", false, tcg));
  }

  private static final List<EngineProbe> HARDWARE = linux(EngineAvailability.USABLE, EngineAvailability.USABLE);
  private static final List<EngineProbe> PVM = linux(EngineAvailability.degraded(
      "/dev/kvm is provided by the kvm_pvm module, which emulates guest ring 0 in software"), EngineAvailability.USABLE);
  private static final List<EngineProbe> NO_KVM_NO_QEMU = linux(EngineAvailability.missing("/dev/kvm does not exist"),
      NO_QEMU);

  @Test
  void autoPrefersHardwareKvm() {
    assertEquals(new EngineChoice("kvm", Optional.empty()), EngineSelector.select("auto", HARDWARE));
  }

  @Test
  void autoFallsBackToTcgWithAWarningOnAnEmulatingKvm() {
    EngineChoice c = EngineSelector.select("auto", PVM);
    assertEquals("tcg", c.engine());
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
    assertEquals("tcg", EngineSelector.select("tcg", HARDWARE).engine());
    EngineChoice kvmOnPvm = EngineSelector.select("KVM", PVM);
    assertEquals("kvm", kvmOnPvm.engine());
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
    List<EngineProbe> mac = List.of(
        new EngineProbe("kvm", true, EngineAvailability.foreign("the kvm engine needs Linux")),
        new EngineProbe("hvf", true, EngineAvailability.missing("the hvf engine is not available in this build yet")),
        new EngineProbe("whp", true, NOT_WINDOWS),
        new EngineProbe("tcg", false, EngineAvailability.foreign("the tcg engine needs a Linux host")));
    UserException e = assertThrows(UserException.class, () -> EngineSelector.select("auto", mac));
    assertTrue(e.getMessage().contains("hvf"));
  }

  @Test
  void thisHostIsProbedThroughTheOneEngineList() {
    List<EngineProbe> here = EngineSelector.probeHost();
    assertEquals(Engines.all().stream().map(Engine::id).toList(), here.stream().map(EngineProbe::id).toList());
    // A Linux host: the engines of other platforms are foreign here, whatever /dev/kvm is.
    assertEquals(EngineAvailability.Status.FOREIGN, here.get(1).availability().status());
    assertEquals(EngineAvailability.Status.FOREIGN, here.get(2).availability().status());
  }

  @Test
  void theKvmEngineOnThisHostIsHardwareBackedExactlyWhenNoPvmModuleIsLoaded() {
    EngineAvailability kvm = Engines.require("kvm").availability();
    boolean pvm = java.nio.file.Files.exists(java.nio.file.Path.of("/sys/module/kvm_pvm"));
    boolean device = java.nio.file.Files.exists(java.nio.file.Path.of("/dev/kvm"));
    EngineAvailability.Status expected = !device ? EngineAvailability.Status.MISSING
        : pvm ? EngineAvailability.Status.DEGRADED : EngineAvailability.Status.USABLE;
    assertEquals(expected, kvm.status(), kvm.reason());
  }
}
