package dev.sbx.vmm.kvm;

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
 * The nested KVM tier for the kvm engine: this module's tests run inside an L1 Linux whose
 * {@code /dev/kvm} is a real {@code kvm_amd} (SVM emulated by QEMU TCG), where nothing may skip —
 * {@link KvmLinuxBootTest} included, which skips on our machines' own PVM {@code /dev/kvm}.
 */
@Tag("nested")
class NestedKvmTierTest {

  @TestFactory
  Stream<DynamicTest> kvmEngineTestsPassOnHardwareVirtualization() throws Exception {
    Optional<String> why = NestedKvmHost.unavailableReason();
    assumeTrue(why.isEmpty(), () -> "needs the nested KVM host: " + why.orElse(""));
    return NestedJUnit.run(List.of(KvmGuestTest.class.getName(), KvmVirtioMmioTest.class.getName(),
        KvmLinuxBootTest.class.getName()), Map.of(),
        NestedKvmHost.Options.defaults().memoryMib(3072).timeout(Duration.ofMinutes(15)).stall(Duration.ofMinutes(4)));
  }
}
