package dev.sbx.cli.vmm;

import dev.sbx.cli.ByteSize;
import dev.sbx.cli.DurationParser;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.vmm.hypervisor.Hypervisor;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.kvm.KvmHypervisor;
import dev.sbx.vmm.loader.KernelLoadException;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.machine.MachineConfig;
import dev.sbx.vmm.machine.MachineExit;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sbx vmm run}: boots a kernel directly on a hardware engine and exits when the guest
 * resets or powers off. For experts and tests; sandboxes use {@code sbx run}.
 */
@Command(name = "run", description = {
    "Boot a kernel in a microVM and wait for it to reset or power off.",
    "Exits 0 when the guest resets or powers off; 1 with the reason and RIP on a triple fault,",
    "a hypervisor error, an unhandled exit or a timeout."})
public final class VmmRunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(VmmRunCommand.class);
  /** Longest sensible VM on one host; beyond it is almost certainly a typo. */
  private static final long MAX_MEMORY = 1L << 40;

  @Option(names = "--kernel", required = true, paramLabel = "FILE",
      description = "Kernel: an x86_64 ELF vmlinux (PVH entry if it has the Xen note) or a bzImage.")
  Path kernel;

  @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk.")
  Path initrd;

  @Option(names = "--cmdline", paramLabel = "STR",
      description = "Kernel command line (default: ${DEFAULT-VALUE}).")
  String cmdline = MachineConfig.DEFAULT_CMDLINE;

  @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default: ${DEFAULT-VALUE}).")
  int cpus = 1;

  @Option(names = "--memory", paramLabel = "SIZE", description = "Guest RAM, e.g. 256m or 2g (default: ${DEFAULT-VALUE}).")
  String memory = "256m";

  @Option(names = "--serial", paramLabel = "stdout|FILE", description = "Where the guest's serial console goes (default: ${DEFAULT-VALUE}).")
  String serial = "stdout";

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop the guest after this long, e.g. 30s; exit 1.")
  String timeout;

  @Option(names = "--engine", paramLabel = "ENGINE", description = "Hypervisor engine: kvm (default: ${DEFAULT-VALUE}).")
  String engine = "kvm";

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    long memBytes = parse(() -> ByteSize.parse(memory), "--memory");
    Duration limit = timeout == null ? Duration.ofDays(365) : parse(() -> DurationParser.parse(timeout), "--timeout");
    if (cpus < 1) {
      throw new UserException("--cpus must be at least 1", ExitCodes.USAGE);
    }
    if (memBytes < (16L << 20) || memBytes > MAX_MEMORY || (memBytes & 0xfff) != 0) {
      throw new UserException("--memory " + memory + " is out of range; give 16m or more, in whole KiB pages, e.g. 256m",
          ExitCodes.USAGE);
    }
    long hostMemory = hostMemoryBytes();
    if (hostMemory > 0 && memBytes > hostMemory) {
      throw new UserException("--memory " + memory + " is more than this host has (" + (hostMemory >> 20)
          + " MiB); give less", ExitCodes.USAGE);
    }
    if (!engine.equals("kvm")) {
      throw new UserException("engine '" + engine + "' is not available for 'vmm run'; use --engine kvm", ExitCodes.USAGE);
    }
    if (!Files.isRegularFile(kernel)) {
      throw new UserException("kernel file " + kernel + " does not exist; pass an x86_64 vmlinux or bzImage with --kernel");
    }
    if (initrd != null && !Files.isRegularFile(initrd)) {
      throw new UserException("initrd file " + initrd + " does not exist");
    }
    MachineConfig cfg = new MachineConfig(kernel, Optional.ofNullable(initrd), cmdline, cpus, memBytes);
    try (OutputStream console = openConsole();
        Hypervisor hv = openEngine();
        Machine machine = Machine.create(hv, cfg, console)) {
      machine.start();
      MachineExit exit = machine.awaitExit(limit);
      console.flush();
      machine.bootNanos().ifPresent(n -> log.info("boot timer: {} us after VMM start", n / 1000));
      log.info("memory: {}", ProcessMemory.describe());
      if (exit.kind().isClean()) {
        log.info("guest ended: {}", exit.describe());
        return ExitCodes.OK;
      }
      throw new UserException("guest stopped: " + exit.describe());
    } catch (HypervisorException | KernelLoadException e) {
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    }
  }

  private static long hostMemoryBytes() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
  }

  private Hypervisor openEngine() throws HypervisorException {
    return KvmHypervisor.open();
  }

  private OutputStream openConsole() throws IOException {
    if (serial.equals("stdout")) {
      // Unbuffered beyond the serial device's own line flushing; never closes stdout.
      return new FileOutputStream(FileDescriptor.out) {
        @Override
        public void close() throws IOException {
          flush();
        }
      };
    }
    return new java.io.BufferedOutputStream(Files.newOutputStream(Path.of(serial)));
  }

  private interface Parse<T> {
    T get();
  }

  private static <T> T parse(Parse<T> p, String option) {
    try {
      return p.get();
    } catch (IllegalArgumentException e) {
      throw new UserException(option + ": " + e.getMessage(), ExitCodes.USAGE);
    }
  }
}
