package dev.sbx.cli.vmm;

import dev.sbx.cli.ByteSize;
import dev.sbx.cli.DurationParser;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.engine.EngineChoice;
import dev.sbx.cli.engine.EngineSelector;
import dev.sbx.cli.engine.Engines;
import dev.sbx.image.FileTrees;
import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineException;
import dev.sbx.vmm.engine.EnginePaths;
import dev.sbx.vmm.engine.RunningVm;
import dev.sbx.vmm.engine.VmExit;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.fs.VirtioFsDevice;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
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
  String cmdline = BootSpec.DEFAULT_CMDLINE;

  @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default: ${DEFAULT-VALUE}).")
  int cpus = 1;

  @Option(names = "--memory", paramLabel = "SIZE", description = "Guest RAM, e.g. 256m or 2g (default: ${DEFAULT-VALUE}).")
  String memory = "256m";

  @Option(names = "--serial", paramLabel = "stdout|FILE", description = "Where the guest's serial console goes (default: ${DEFAULT-VALUE}).")
  String serial = "stdout";

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop the guest after this long, e.g. 30s; exit 1.")
  String timeout;

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "Engine: kvm, tcg (QEMU emulation, our devices over vhost-user), another engine of 'sbx diagnose', "
          + "or auto (default: ${DEFAULT-VALUE}).")
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
    chosen.checkMemory(memBytes).ifPresent(why -> {
      throw new UserException("--memory " + memory + ": " + why, ExitCodes.USAGE);
    });
    if (!Files.isRegularFile(kernel)) {
      throw new UserException("kernel file " + kernel + " does not exist; pass an x86_64 vmlinux or bzImage with --kernel");
    }
    if (initrd != null && !Files.isRegularFile(initrd)) {
      throw new UserException("initrd file " + initrd + " does not exist");
    }
    BootSpec boot = new BootSpec(kernel, Optional.ofNullable(initrd), cmdline, cpus, memBytes)
        .withParameters(chosen.kernelParameters());
    List<VirtioDevice> opened = devices.openAll();
    Path run = Files.createTempDirectory("sbx-vmm-run-");
    try (OutputStream console = openConsole();
        RunningVm vm = chosen.start(boot, attach(opened), new EnginePaths(run, run), console)) {
      VmExit exit = vm.awaitExit(limit);
      console.flush();
      log.info("memory: {}", ProcessMemory.describe());
      if (exit.clean()) {
        log.info("guest ended: {}", exit.describe());
        return ExitCodes.OK;
      }
      throw new UserException("guest stopped: " + exit.describe());
    } catch (EngineException e) {
      throw new UserException(e.getMessage(), ExitCodes.FAILURE, e);
    } finally {
      opened.forEach(VirtioDevice::close);
      FileTrees.delete(run);
    }
  }

  /** Names the devices in flag order; file-system devices take their tags from the --share flags. */
  private List<AttachedDevice> attach(List<VirtioDevice> opened) {
    Iterator<String> tags = devices.shareSpecs().stream().map(DeviceOptions.ShareSpec::tag).iterator();
    List<AttachedDevice> attached = new ArrayList<>();
    for (int i = 0; i < opened.size(); i++) {
      VirtioDevice d = opened.get(i);
      attached.add(new AttachedDevice("dev" + i, d,
          d.deviceType() == VirtioFsDevice.TYPE ? Optional.of(tags.next()) : Optional.empty()));
    }
    return attached;
  }

  private Engine chooseEngine() {
    EngineChoice choice = EngineSelector.select(engine, EngineSelector.probeHost());
    // An explicit engine is the expert's own choice (freestanding guests run on any /dev/kvm): warn only for auto.
    if (engine.equalsIgnoreCase("auto")) {
      choice.warning().ifPresent(w -> spec.commandLine().getErr().println("WARNING: " + w));
    }
    return Engines.require(choice.engine());
  }

  private static long hostMemoryBytes() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
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
