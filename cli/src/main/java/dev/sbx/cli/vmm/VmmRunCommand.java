package dev.sbx.cli.vmm;

import dev.sbx.cli.ByteSize;
import dev.sbx.cli.DurationParser;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.Engine;
import dev.sbx.cli.engine.EngineChoice;
import dev.sbx.cli.engine.EngineSelector;
import dev.sbx.vmm.hypervisor.Hypervisor;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.kvm.KvmHypervisor;
import dev.sbx.vmm.loader.KernelLoadException;
import dev.sbx.vmm.machine.Machine;
import dev.sbx.vmm.machine.MachineConfig;
import dev.sbx.vmm.machine.MachineExit;
import dev.sbx.vmm.tcg.HostTsc;
import dev.sbx.vmm.tcg.QemuBinary;
import dev.sbx.vmm.tcg.TcgException;
import dev.sbx.vmm.tcg.TcgExit;
import dev.sbx.vmm.tcg.TcgMachine;
import dev.sbx.vmm.tcg.VhostUserDevice;
import dev.sbx.vmm.virtio.VirtioDevice;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sbx vmm run}: boots a kernel directly, on KVM (our own machine) or on the tcg engine
 * (QEMU TCG as the CPU, the same devices served from this process over vhost-user), and exits
 * when the guest resets or powers off. For experts and tests; sandboxes use {@code sbx run}.
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

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "Engine: kvm, tcg (QEMU emulation, our devices over vhost-user) or auto (default: ${DEFAULT-VALUE}).")
  String engine = "kvm";

  @picocli.CommandLine.Mixin DeviceOptions devices;

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
    Engine chosen = chooseEngine();
    if (chosen == Engine.TCG && (memBytes & ((1 << 20) - 1)) != 0) {
      throw new UserException("--memory " + memory + ": the tcg engine needs whole MiB, e.g. 256m", ExitCodes.USAGE);
    }
    if (!Files.isRegularFile(kernel)) {
      throw new UserException("kernel file " + kernel + " does not exist; pass an x86_64 vmlinux or bzImage with --kernel");
    }
    if (initrd != null && !Files.isRegularFile(initrd)) {
      throw new UserException("initrd file " + initrd + " does not exist");
    }
    if (chosen == Engine.TCG) {
      return runTcg(memBytes, limit);
    }
    MachineConfig cfg = new MachineConfig(kernel, Optional.ofNullable(initrd), cmdline, cpus, memBytes);
    try (OutputStream console = openConsole();
        Hypervisor hv = openEngine();
        Machine machine = Machine.create(hv, cfg, console, devices.openAll())) {
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

  private Engine chooseEngine() {
    if (engine.equals("kvm")) {
      return Engine.KVM;
    }
    if (!engine.equals("tcg") && !engine.equals("auto")) {
      throw new UserException("engine '" + engine + "' is not available for 'vmm run'; use kvm, tcg or auto", ExitCodes.USAGE);
    }
    EngineChoice choice = EngineSelector.select(engine, EngineSelector.probeHost());
    choice.warning().ifPresent(w -> spec.commandLine().getErr().println("WARNING: " + w));
    if (choice.engine() != Engine.KVM && choice.engine() != Engine.TCG) {
      throw new UserException("engine '" + choice.engine().id() + "' is not available for 'vmm run'; use kvm or tcg");
    }
    return choice.engine();
  }

  /** The tcg engine: QEMU runs the CPU; the devices are served from this process over vhost-user. */
  private int runTcg(long memBytes, Duration limit) throws Exception {
    Path qemu;
    try {
      qemu = QemuBinary.require();
    } catch (TcgException e) {
      throw new UserException(e.getMessage());
    }
    List<VirtioDevice> opened = devices.openAll();
    Iterator<String> tags = devices.shareSpecs().stream().map(DeviceOptions.ShareSpec::tag).iterator();
    List<TcgMachine.Device> attached = new ArrayList<>();
    for (int i = 0; i < opened.size(); i++) {
      VirtioDevice d = opened.get(i);
      VhostUserDevice.Kind kind = VhostUserDevice.Kind.of(d.deviceType());
      attached.add(new TcgMachine.Device(kind, "dev" + i, d, kind == VhostUserDevice.Kind.FS ? tags.next() : ""));
    }
    String line = cmdline + HostTsc.khz().map(k -> " tsc_early_khz=" + k).orElse("");
    Path run = Files.createTempDirectory("sbx-vmm-run-");
    Path qemuLog = run.resolve("qemu.log");
    try (OutputStream console = openConsole();
        TcgMachine m = TcgMachine.start(new TcgMachine.Config(qemu, kernel, Optional.ofNullable(initrd), line, cpus,
            memBytes, run, qemuLog), attached, console)) {
      TcgExit exit;
      try {
        exit = m.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        m.stop(Duration.ofSeconds(5));
        throw new UserException("guest stopped: timeout: guest still running after " + limit.toMillis() + " ms");
      }
      console.flush();
      if (exit.clean()) {
        log.info("guest ended: {}", exit.reason());
        return ExitCodes.OK;
      }
      throw new UserException("guest stopped: " + exit.reason());
    } catch (TcgException e) {
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    } finally {
      opened.forEach(VirtioDevice::close);
      try (var left = Files.list(run)) {
        for (Path p : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(run);
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
