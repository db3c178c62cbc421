package dev.sbx.cli.commands;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.vmm.testing.NestedJUnit;
import dev.sbx.vmm.testing.NestedKvmHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The nested KVM tier for sandboxes: {@link SandboxE2ETest}, the real {@code sbx} commands with the
 * real guest image, runs on {@code --engine kvm} inside an L1 Linux whose {@code /dev/kvm} is a
 * real {@code kvm_amd} (SVM emulated by QEMU TCG); so do the {@code sbx vmm run} tests. It proves
 * the kvm engine against real hardware-virtualization semantics, not physical-hardware speed.
 */
@Tag("nested-sandbox")
class NestedKvmSandboxE2ETest {

  @TestFactory
  Stream<DynamicTest> sandboxesRunEndToEndOnTheKvmEngine() throws Exception {
    Optional<String> why = NestedKvmHost.unavailableReason();
    assumeTrue(why.isEmpty(), () -> "needs the nested KVM host: " + why.orElse(""));
    // One L1 vCPU: with two, QEMU's SVM emulation hung or crashed L1 (and once the guest) under the
    // sandbox's load in most runs here. The image cache is read through L1's overlay of the host's
    // home. L1 needs room for the test JVM, sbx's JVMs and the sandbox guests' RAM (touched lazily).
    return NestedJUnit.run(List.of("dev.sbx.cli.engine.EngineSelectorTest", SandboxE2ETest.class.getName(), "dev.sbx.cli.vmm.VmmRunCommandTest",
        "dev.sbx.cli.vmm.VmmRunDeviceFlagsTest"), Map.of("sbx.test.engine", "kvm"),
        NestedKvmHost.Options.defaults().memoryMib(8192).cpus(1).timeout(Duration.ofMinutes(30))
            .stall(Duration.ofMinutes(6)));
  }
}
