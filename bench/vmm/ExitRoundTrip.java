import dev.sbx.vmm.bus.BusDevice;
import dev.sbx.vmm.kvm.KvmHypervisor;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.engine.BootSpec;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Java side of the exit round-trip benchmark: prints nanoseconds from start to the guest's reset. */
public final class ExitRoundTrip {
  public static void main(String[] args) throws Exception {
    Path kernel = Path.of(args[0]);
    int warmups = Integer.parseInt(args[1]);
    for (int i = 0; i <= warmups; i++) {
      try (KvmHypervisor kvm = KvmHypervisor.open();
          Machine m = Machine.create(kvm, new BootSpec(kernel, Optional.empty(), "", 1, 64L << 20),
              OutputStream.nullOutputStream())) {
        m.ioBus().insert(new BusDevice() {
          @Override
          public long read(long offset, int size) {
            return 0;
          }

          @Override
          public void write(long offset, int size, long value) {}
        }, 0x520, 1);
        long t0 = System.nanoTime();
        m.start();
        m.awaitExit(Duration.ofMinutes(10));
        long t1 = System.nanoTime();
        if (i == warmups) {
          System.out.println("RESULT " + (t1 - t0));
        }
      }
    }
  }
}
