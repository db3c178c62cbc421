package dev.sbx.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.sbx.vmm.hypervisor.EventNotifier;
import dev.sbx.vmm.hypervisor.EventPlumbing;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.InterruptLine;
import dev.sbx.vmm.hypervisor.Vcpu;
import dev.sbx.vmm.hypervisor.Vm;
import dev.sbx.vmm.hypervisor.VmSpec;
import dev.sbx.vmm.memory.GuestMemory;
import dev.sbx.vmm.memory.GuestRegion;
import dev.sbx.vmm.os.linux.EventFd;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A KVM VM with the in-kernel irqchip (PIC, IOAPIC, LAPICs) and PIT. */
final class KvmVm implements Vm, EventPlumbing {
  private final KvmHypervisor kvm;
  private final int fd;
  private final List<Mapping> mappings = new ArrayList<>();
  private final List<EventNotifier> notifiers = new ArrayList<>();
  private GuestMemory memory;

  private record Mapping(Pointer address, long size) {}

  KvmVm(KvmHypervisor kvm, int fd, VmSpec spec) throws HypervisorException {
    this.kvm = kvm;
    this.fd = fd;
    try {
      ioctl(KvmApi.SET_TSS_ADDR, KvmApi.TSS_ADDRESS, "KVM_SET_TSS_ADDR");
      Memory identity = new Memory(8);
      identity.setLong(0, KvmApi.IDENTITY_MAP_ADDRESS);
      ioctl(KvmApi.SET_IDENTITY_MAP_ADDR, identity, "KVM_SET_IDENTITY_MAP_ADDR");
      ioctl(KvmApi.CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
      Memory pit = new Memory(64);
      pit.clear();
      pit.setInt(0, KvmApi.PIT_SPEAKER_DUMMY);
      ioctl(KvmApi.CREATE_PIT2, pit, "KVM_CREATE_PIT2");
    } catch (HypervisorException e) {
      Errno.closeQuietly(fd);
      throw e;
    }
  }

  @Override
  public synchronized GuestMemory addMemory(List<MemoryRange> ranges) throws HypervisorException {
    if (memory != null) {
      throw new IllegalStateException("guest memory is already mapped");
    }
    List<GuestRegion> regions = new ArrayList<>();
    Memory region = new Memory(32);
    int slot = 0;
    for (MemoryRange r : ranges) {
      Pointer host;
      try {
        host = LibC.mmap(null, r.size(), LibC.PROT_READ | LibC.PROT_WRITE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
      } catch (LastErrorException e) {
        throw new HypervisorException("cannot reserve " + (r.size() >> 20) + " MiB of guest memory: "
            + Errno.describe(e) + "; use less memory");
      }
      mappings.add(new Mapping(host, r.size()));
      region.setInt(0, slot++);
      region.setInt(4, 0);
      region.setLong(8, r.start());
      region.setLong(16, r.size());
      region.setLong(24, Pointer.nativeValue(host));
      ioctl(KvmApi.SET_USER_MEMORY_REGION, region, "KVM_SET_USER_MEMORY_REGION");
      regions.add(new GuestRegion(r.start(), chunks(host, r.size())));
    }
    memory = new GuestMemory(regions);
    return memory;
  }

  private static ByteBuffer[] chunks(Pointer host, long size) {
    int n = (int) ((size + GuestRegion.CHUNK_SIZE - 1) / GuestRegion.CHUNK_SIZE);
    ByteBuffer[] out = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long off = i * GuestRegion.CHUNK_SIZE;
      out[i] = host.getByteBuffer(off, Math.min(GuestRegion.CHUNK_SIZE, size - off));
    }
    return out;
  }

  @Override
  public Vcpu createVcpu(int index) throws HypervisorException {
    int vcpuFd = ioctl(KvmApi.CREATE_VCPU, index, "KVM_CREATE_VCPU");
    return new KvmVcpu(vcpuFd, index, kvm.vcpuMmapSize());
  }

  @Override
  public InterruptLine interruptLine(int gsi) {
    return new InterruptLine() {
      private final ThreadLocal<Memory> level = ThreadLocal.withInitial(() -> new Memory(8));

      @Override
      public void trigger() {
        setLevel(true);
        setLevel(false);
      }

      @Override
      public void setLevel(boolean asserted) {
        Memory m = level.get();
        m.setInt(0, gsi);
        m.setInt(4, asserted ? 1 : 0);
        try {
          LibC.ioctl(fd, KvmApi.IRQ_LINE, m);
        } catch (LastErrorException e) {
          throw new IllegalStateException("KVM_IRQ_LINE for GSI " + gsi + " failed: " + Errno.describe(e));
        }
      }
    };
  }

  @Override
  public Optional<EventPlumbing> eventPlumbing() {
    return Optional.of(this);
  }

  @Override
  public EventNotifier registerDoorbell(long address, int length, long match) throws HypervisorException {
    EventFd efd = newEventFd();
    Memory m = new Memory(64);
    m.clear();
    m.setLong(0, Math.max(match, 0));
    m.setLong(8, address);
    m.setInt(16, length);
    m.setInt(20, efd.fd());
    m.setInt(24, match >= 0 ? KvmApi.IOEVENTFD_FLAG_DATAMATCH : 0);
    try {
      ioctl(KvmApi.IOEVENTFD, m, "KVM_IOEVENTFD");
    } catch (HypervisorException e) {
      efd.close();
      throw e;
    }
    synchronized (this) {
      notifiers.add(efd);
    }
    return efd;
  }

  @Override
  public EventNotifier interruptEvent(int gsi) throws HypervisorException {
    EventFd efd = newEventFd();
    Memory m = new Memory(32);
    m.clear();
    m.setInt(0, efd.fd());
    m.setInt(4, gsi);
    try {
      ioctl(KvmApi.IRQFD, m, "KVM_IRQFD");
    } catch (HypervisorException e) {
      efd.close();
      throw e;
    }
    synchronized (this) {
      notifiers.add(efd);
    }
    return efd;
  }

  private static EventFd newEventFd() throws HypervisorException {
    try {
      return EventFd.create();
    } catch (java.io.IOException e) {
      throw new HypervisorException("eventfd failed: " + e.getMessage(), e);
    }
  }

  private int ioctl(long request, long arg, String name) throws HypervisorException {
    try {
      return LibC.ioctl(fd, request, arg);
    } catch (LastErrorException e) {
      throw new HypervisorException(name + " failed: " + Errno.describe(e));
    }
  }

  private int ioctl(long request, Pointer arg, String name) throws HypervisorException {
    try {
      return LibC.ioctl(fd, request, arg);
    } catch (LastErrorException e) {
      throw new HypervisorException(name + " failed: " + Errno.describe(e));
    }
  }

  @Override
  public synchronized void close() {
    // Closing the VM fd drops KVM's references; then the RAM can go.
    Errno.closeQuietly(fd);
    for (EventNotifier n : notifiers) {
      n.close();
    }
    notifiers.clear();
    for (Mapping m : mappings) {
      try {
        LibC.munmap(m.address(), m.size());
      } catch (LastErrorException e) {
        // The process keeps the mapping; nothing else can be done.
      }
    }
    mappings.clear();
  }
}
