import dev.sbx.vmm.bus.BusDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.kvm.KvmHypervisor;
import dev.sbx.vmm.machine.Machine;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The exit round trip of bench/nested: bench/vmm/ExitRoundTrip's guest and machine (N port writes
 * to a no-op device), both guest sizes in one JVM so one slow (in L1) JVM start serves all rounds,
 * and, round by round in alternating order, the same two guests on bench/vmm/kvm_ref.c's minimal C
 * loop, run as a child process, so that load drifts hit both sides alike.
 * usage: ExitPair SMALL_ELF LARGE_ELF WARMUPS ROUNDS KVM_REF SMALL_BIN LARGE_BIN ENTRY SMALL_N LARGE_N
 * prints per measured round "RESULT java SMALL_NS LARGE_NS" and "RESULT c SMALL_NS LARGE_NS".
 */
public final class ExitPair {
  public static void main(String[] args) throws Exception {
    Path small = Path.of(args[0]);
    Path large = Path.of(args[1]);
    int warmups = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    List<String> cSmall = List.of(args[4], args[5], args[7], args[8]);
    List<String> cLarge = List.of(args[4], args[6], args[7], args[9]);
    for (int i = 0; i < warmups + rounds; i++) {
      boolean measured = i >= warmups;
      if (i % 2 == 1 && measured) {
        c(cSmall, cLarge);
      }
      long s = run(small);
      long l = run(large);
      if (measured) {
        System.out.println("RESULT java " + s + " " + l);
      }
      if (i % 2 == 0 && measured) {
        c(cSmall, cLarge);
      }
    }
  }

  private static void c(List<String> small, List<String> large) throws Exception {
    System.out.println("RESULT c " + child(small) + " " + child(large));
  }

  /** Runs kvm_ref; it prints the nanoseconds from its first KVM_RUN to the guest's end. */
  private static long child(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(cmd + " failed: " + out);
    }
    return Math.round(Double.parseDouble(out));
  }

  /** Nanoseconds from start to the guest's reset, as bench/vmm/ExitRoundTrip measures it. */
  private static long run(Path kernel) throws Exception {
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
      return System.nanoTime() - t0;
    }
  }
}
