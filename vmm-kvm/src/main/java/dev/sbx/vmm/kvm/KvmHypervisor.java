package dev.sbx.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;
import dev.sbx.vmm.hypervisor.x86_64.X86Hypervisor;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vm;
import dev.sbx.vmm.hypervisor.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Linux KVM through {@code /dev/kvm}. */
public final class KvmHypervisor implements X86Hypervisor {
  public static final Path DEVICE = Path.of("/dev/kvm");
  private static final int CPUID_ENTRY_SIZE = 40;
  private static final int MAX_CPUID_ENTRIES = 1024;

  private final int fd;
  private final int vcpuMmapSize;
  private final int maxVcpus;

  private KvmHypervisor(int fd) throws HypervisorException {
    this.fd = fd;
    int version = ioctl(KvmApi.GET_API_VERSION, 0, "KVM_GET_API_VERSION");
    if (version != KvmApi.API_VERSION) {
      throw new HypervisorException("/dev/kvm speaks KVM API " + version + "; sbx needs " + KvmApi.API_VERSION);
    }
    for (int cap : new int[] {KvmApi.CAP_IRQCHIP, KvmApi.CAP_USER_MEMORY, KvmApi.CAP_SET_TSS_ADDR,
        KvmApi.CAP_EXT_CPUID, KvmApi.CAP_PIT2, KvmApi.CAP_IRQFD, KvmApi.CAP_IOEVENTFD,
        KvmApi.CAP_IMMEDIATE_EXIT}) {
      if (checkExtension(cap) <= 0) {
        throw new HypervisorException("this kernel's KVM lacks capability " + cap
            + " that sbx needs; use a newer kernel or --engine tcg");
      }
    }
    this.vcpuMmapSize = ioctl(KvmApi.GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    int max = checkExtension(KvmApi.CAP_MAX_VCPUS);
    this.maxVcpus = max > 0 ? max : Math.max(checkExtension(KvmApi.CAP_NR_VCPUS), 4);
  }

  /** Opens {@code /dev/kvm}, with errors that say how to fix a missing device or permission. */
  public static KvmHypervisor open() throws HypervisorException {
    if (!Files.exists(DEVICE)) {
      throw new HypervisorException("/dev/kvm does not exist: KVM is not available on this host; enable "
          + "virtualization in the firmware and load kvm_intel or kvm_amd, or use --engine tcg");
    }
    try {
      return new KvmHypervisor(LibC.open(DEVICE.toString(), LibC.O_RDWR | LibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EACCES || e.getErrorCode() == LibC.EPERM) {
        throw new HypervisorException("no permission to open /dev/kvm; add your user to the kvm group "
            + "(sudo usermod -aG kvm $USER) and log in again");
      }
      throw new HypervisorException("cannot open /dev/kvm: " + Errno.describe(e));
    }
  }

  @Override
  public String name() {
    return "kvm";
  }

  @Override
  public Arch arch() {
    return Arch.X86_64;
  }

  @Override
  public int maxVcpus() {
    return maxVcpus;
  }

  int vcpuMmapSize() {
    return vcpuMmapSize;
  }

  int checkExtension(int cap) {
    try {
      return LibC.ioctl(fd, KvmApi.CHECK_EXTENSION, cap);
    } catch (LastErrorException e) {
      return 0;
    }
  }

  @Override
  public Vm createVm(VmSpec spec) throws HypervisorException {
    int vmFd = ioctl(KvmApi.CREATE_VM, 0, "KVM_CREATE_VM");
    return new KvmVm(this, vmFd, spec);
  }

  @Override
  public List<CpuidEntry> supportedCpuid() throws HypervisorException {
    int n = 128;
    while (true) {
      Memory buf = new Memory(8 + (long) n * CPUID_ENTRY_SIZE);
      buf.clear();
      buf.setInt(0, n);
      try {
        LibC.ioctl(fd, KvmApi.GET_SUPPORTED_CPUID, buf);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LibC.E2BIG && n < MAX_CPUID_ENTRIES) {
          n *= 2;
          continue;
        }
        throw new HypervisorException("KVM_GET_SUPPORTED_CPUID failed: " + Errno.describe(e));
      }
      int count = buf.getInt(0);
      List<CpuidEntry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        long o = 8 + (long) i * CPUID_ENTRY_SIZE;
        entries.add(new CpuidEntry(buf.getInt(o), buf.getInt(o + 4), buf.getInt(o + 8), buf.getInt(o + 12),
            buf.getInt(o + 16), buf.getInt(o + 20), buf.getInt(o + 24)));
      }
      return List.copyOf(entries);
    }
  }

  private int ioctl(long request, long arg, String name) throws HypervisorException {
    try {
      return LibC.ioctl(fd, request, arg);
    } catch (LastErrorException e) {
      throw new HypervisorException(name + " failed: " + Errno.describe(e));
    }
  }

  @Override
  public void close() {
    Errno.closeQuietly(fd);
  }
}
