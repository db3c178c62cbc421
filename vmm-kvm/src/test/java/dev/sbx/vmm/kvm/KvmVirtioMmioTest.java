package dev.sbx.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sbx.vmm.engine.ExitKind;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.testing.TestGuests;
import dev.sbx.vmm.virtio.rng.RngDevice;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * virtio-mmio on KVM end to end: a freestanding guest drives virtio-rng in slot 0 through the
 * register handshake; its kick lands on an ioeventfd, the device runs on its event thread, and the
 * interrupt status it sets is what the guest reads back.
 */
class KvmVirtioMmioTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @Test
  void guestDrivesVirtioRngOverMmioWithIoeventfd() throws Exception {
    assumeTrue(Files.exists(KvmHypervisor.DEVICE), "needs /dev/kvm; skipped: this host has none");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (KvmHypervisor kvm = KvmHypervisor.open();
        Machine m = Machine.create(kvm, new BootSpec(TestGuests.pvh("virtio_rng"), Optional.empty(), "", 1,
            64L << 20), console, List.of(new RngDevice()))) {
      m.start();
      VmExit exit = m.awaitExit(LIMIT);
      assertEquals(ExitKind.RESET, exit.kind(), exit.describe() + " " + console);
      assertEquals("used len 00000010 isr 00000001 after ack 00000000 data random\n", console.toString());
    }
  }
}
