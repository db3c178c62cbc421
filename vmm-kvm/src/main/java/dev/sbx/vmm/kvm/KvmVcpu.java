package dev.sbx.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.sbx.vmm.hypervisor.x86_64.CpuidEntry;
import dev.sbx.vmm.hypervisor.x86_64.DescriptorTable;
import dev.sbx.vmm.hypervisor.x86_64.FpuState;
import dev.sbx.vmm.hypervisor.x86_64.Msr;
import dev.sbx.vmm.hypervisor.x86_64.Registers;
import dev.sbx.vmm.hypervisor.x86_64.Segment;
import dev.sbx.vmm.hypervisor.x86_64.SpecialRegisters;
import dev.sbx.vmm.hypervisor.HypervisorException;
import dev.sbx.vmm.hypervisor.Vcpu;
import dev.sbx.vmm.hypervisor.VcpuExit;
import dev.sbx.vmm.hypervisor.x86_64.X86Vcpu;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KVM vCPU. It must be created on the thread that runs it: that thread blocks the kick signal,
 * and KVM unblocks it only while the vCPU is in the guest ({@code KVM_SET_SIGNAL_MASK}). A kick
 * therefore either interrupts {@code KVM_RUN} or stays pending and makes the next one return at
 * once; it is never lost and needs no signal handler.
 */
final class KvmVcpu implements X86Vcpu {
  private static final Logger log = LoggerFactory.getLogger(KvmVcpu.class);
  /** Real-time signal used to kick vCPUs out of the guest; SIGRTMIN itself is often taken. */
  static final int KICK_SIGNAL = LibC.__libc_current_sigrtmin() + 2;
  private static final int KERNEL_SIGSET_SIZE = 8;
  private static final int REGS_SIZE = 144;
  private static final int SREGS_SIZE = 312;
  private static final int SEGMENT_SIZE = 24;
  private static final int FPU_SIZE = 416;
  private static final int LAPIC_SIZE = 1024;

  private final int fd;
  private final int index;
  private final Pointer runMapping;
  private final long runSize;
  private final ByteBuffer run;
  private final long thread;
  private final Memory kickSet;
  private final Memory noWait;
  private boolean closed;

  // Pending string I/O (rep ins/outs): KVM delivers count elements in one exit.
  private int ioIndex;
  private int ioCount;
  private int ioSize;
  private int ioPort;
  private long ioDataOffset;
  private boolean ioOut;
  private int pendingRead; // 0 none, 1 port, 2 mmio

  KvmVcpu(int fd, int index, int mmapSize) throws HypervisorException {
    this.fd = fd;
    this.index = index;
    try {
      this.runMapping = LibC.mmap(null, mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
    } catch (LastErrorException e) {
      Errno.closeQuietly(fd);
      throw new HypervisorException("mapping kvm_run failed: " + Errno.describe(e));
    }
    this.runSize = mmapSize;
    this.run = runMapping.getByteBuffer(0, mmapSize).order(ByteOrder.LITTLE_ENDIAN);
    this.thread = LibC.pthread_self();
    this.kickSet = new Memory(LibC.SIGSET_T_SIZE);
    LibC.sigemptyset(kickSet);
    LibC.sigaddset(kickSet, KICK_SIGNAL);
    this.noWait = new Memory(16);
    noWait.clear();
    Memory current = new Memory(LibC.SIGSET_T_SIZE);
    LibC.pthread_sigmask(LibC.SIG_BLOCK, kickSet, current);
    // Inside KVM_RUN: the thread's usual mask, with the kick signal deliverable.
    LibC.sigdelset(current, KICK_SIGNAL);
    Memory mask = new Memory(4 + KERNEL_SIGSET_SIZE);
    mask.setInt(0, KERNEL_SIGSET_SIZE);
    mask.write(4, current.getByteArray(0, KERNEL_SIGSET_SIZE), 0, KERNEL_SIGSET_SIZE);
    ioctl(KvmApi.SET_SIGNAL_MASK, mask, "KVM_SET_SIGNAL_MASK");
  }

  @Override
  public int index() {
    return index;
  }


  @Override
  public VcpuExit run() throws HypervisorException {
    if (ioIndex < ioCount) {
      return nextStringIo();
    }
    try {
      LibC.ioctl(fd, KvmApi.RUN, 0L);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
        run.put(KvmApi.RUN_IMMEDIATE_EXIT, (byte) 0);
        LibC.sigtimedwait(kickSet, null, noWait);
        return new VcpuExit.Interrupted();
      }
      throw new HypervisorException("KVM_RUN failed on vCPU " + index + ": " + Errno.describe(e));
    }
    int reason = run.getInt(KvmApi.RUN_EXIT_REASON);
    switch (reason) {
      case KvmApi.EXIT_IO -> {
        ioOut = run.get(KvmApi.IO_DIRECTION) == KvmApi.IO_DIRECTION_OUT;
        ioSize = run.get(KvmApi.IO_SIZE);
        ioPort = Short.toUnsignedInt(run.getShort(KvmApi.IO_PORT));
        ioCount = run.getInt(KvmApi.IO_COUNT);
        ioDataOffset = run.getLong(KvmApi.IO_DATA_OFFSET);
        ioIndex = 0;
        if (ioCount < 1 || ioSize < 1 || ioSize > 4 || ioDataOffset < 0
            || ioDataOffset + (long) ioCount * ioSize > runSize) {
          ioCount = 0;
          throw new HypervisorException("KVM reported a malformed I/O exit on vCPU " + index);
        }
        return nextStringIo();
      }
      case KvmApi.EXIT_MMIO -> {
        long address = run.getLong(KvmApi.MMIO_PHYS_ADDR);
        int len = run.getInt(KvmApi.MMIO_LEN);
        if (len < 1 || len > 8) {
          throw new HypervisorException("KVM reported an MMIO access of " + len + " bytes on vCPU " + index);
        }
        if (run.get(KvmApi.MMIO_IS_WRITE) != 0) {
          return new VcpuExit.MmioWrite(address, len, readData(KvmApi.MMIO_DATA, len));
        }
        pendingRead = 2;
        return new VcpuExit.MmioRead(address, len);
      }
      case KvmApi.EXIT_HLT -> {
        return new VcpuExit.Halt();
      }
      case KvmApi.EXIT_SHUTDOWN -> {
        return new VcpuExit.Shutdown();
      }
      case KvmApi.EXIT_SYSTEM_EVENT -> {
        int type = run.getInt(KvmApi.RUN_UNION);
        return switch (type) {
          case KvmApi.SYSTEM_EVENT_SHUTDOWN -> new VcpuExit.SystemEvent(VcpuExit.SystemEvent.Kind.POWER_OFF);
          case KvmApi.SYSTEM_EVENT_RESET -> new VcpuExit.SystemEvent(VcpuExit.SystemEvent.Kind.RESET);
          case KvmApi.SYSTEM_EVENT_CRASH -> new VcpuExit.SystemEvent(VcpuExit.SystemEvent.Kind.CRASH);
          default -> new VcpuExit.Unhandled(reason, "KVM_EXIT_SYSTEM_EVENT type " + type);
        };
      }
      case KvmApi.EXIT_INTERNAL_ERROR -> {
        int suberror = run.getInt(KvmApi.RUN_UNION);
        int ndata = Math.min(run.getInt(KvmApi.RUN_UNION + 4), 16);
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < ndata; i++) {
          data.append(i == 0 ? "data " : " ").append(Long.toHexString(run.getLong(KvmApi.RUN_UNION + 8 + 8 * i)));
        }
        return new VcpuExit.InternalError(suberror, data.toString());
      }
      case KvmApi.EXIT_FAIL_ENTRY -> {
        return new VcpuExit.FailEntry(run.getLong(KvmApi.RUN_UNION));
      }
      case KvmApi.EXIT_INTR -> {
        return new VcpuExit.Interrupted();
      }
      default -> {
        return new VcpuExit.Unhandled(reason, KvmApi.exitName(reason));
      }
    }
  }

  private VcpuExit nextStringIo() {
    int offset = (int) (ioDataOffset + (long) ioIndex * ioSize);
    ioIndex++;
    if (ioOut) {
      return new VcpuExit.IoOut(ioPort, ioSize, readData(offset, ioSize));
    }
    pendingRead = 1;
    return new VcpuExit.IoIn(ioPort, ioSize);
  }

  private long readData(int offset, int len) {
    long v = 0;
    for (int i = len - 1; i >= 0; i--) {
      v = (v << 8) | (run.get(offset + i) & 0xff);
    }
    return v;
  }

  private void writeData(int offset, int len, long value) {
    for (int i = 0; i < len; i++) {
      run.put(offset + i, (byte) (value >>> (8 * i)));
    }
  }

  @Override
  public void completeRead(long value) {
    if (pendingRead == 1) {
      writeData((int) (ioDataOffset + (long) (ioIndex - 1) * ioSize), ioSize, value);
    } else if (pendingRead == 2) {
      writeData(KvmApi.MMIO_DATA, run.getInt(KvmApi.MMIO_LEN), value);
    }
    pendingRead = 0;
  }

  @Override
  public synchronized void kick() {
    if (closed) {
      return;
    }
    run.put(KvmApi.RUN_IMMEDIATE_EXIT, (byte) 1);
    LibC.pthread_kill(thread, KICK_SIGNAL);
  }

  @Override
  public void setCpuid(List<CpuidEntry> entries) throws HypervisorException {
    Memory m = new Memory(8 + 40L * entries.size());
    m.clear();
    m.setInt(0, entries.size());
    for (int i = 0; i < entries.size(); i++) {
      CpuidEntry e = entries.get(i);
      long o = 8 + 40L * i;
      m.setInt(o, e.function());
      m.setInt(o + 4, e.index());
      m.setInt(o + 8, e.flags());
      m.setInt(o + 12, e.eax());
      m.setInt(o + 16, e.ebx());
      m.setInt(o + 20, e.ecx());
      m.setInt(o + 24, e.edx());
    }
    ioctl(KvmApi.SET_CPUID2, m, "KVM_SET_CPUID2");
  }

  @Override
  public void setMsrs(List<Msr> msrs) throws HypervisorException {
    Memory m = new Memory(8 + 16L * msrs.size());
    m.clear();
    m.setInt(0, msrs.size());
    for (int i = 0; i < msrs.size(); i++) {
      m.setInt(8 + 16L * i, msrs.get(i).index());
      m.setLong(16 + 16L * i, msrs.get(i).value());
    }
    int set = ioctl(KvmApi.SET_MSRS, m, "KVM_SET_MSRS");
    if (set != msrs.size()) {
      throw new HypervisorException(String.format("KVM_SET_MSRS set %d of %d MSRs; MSR 0x%x was refused",
          set, msrs.size(), msrs.get(set).index()));
    }
  }

  @Override
  public void setRegisters(Registers r) throws HypervisorException {
    Memory m = new Memory(REGS_SIZE);
    long[] v = {r.rax(), r.rbx(), r.rcx(), r.rdx(), r.rsi(), r.rdi(), r.rsp(), r.rbp(), r.r8(), r.r9(),
        r.r10(), r.r11(), r.r12(), r.r13(), r.r14(), r.r15(), r.rip(), r.rflags()};
    m.write(0, v, 0, v.length);
    ioctl(KvmApi.SET_REGS, m, "KVM_SET_REGS");
  }

  @Override
  public Registers registers() throws HypervisorException {
    Memory m = new Memory(REGS_SIZE);
    ioctl(KvmApi.GET_REGS, m, "KVM_GET_REGS");
    long[] v = m.getLongArray(0, 18);
    return new Registers(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
        v[13], v[14], v[15], v[16], v[17]);
  }

  @Override
  public void setSpecialRegisters(SpecialRegisters s) throws HypervisorException {
    Memory m = new Memory(SREGS_SIZE);
    // Start from KVM's own state so fields we do not model (interrupt bitmap) are kept.
    ioctl(KvmApi.GET_SREGS, m, "KVM_GET_SREGS");
    Segment[] segs = {s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt()};
    for (int i = 0; i < segs.length; i++) {
      writeSegment(m, i * SEGMENT_SIZE, segs[i]);
    }
    writeTable(m, 192, s.gdt());
    writeTable(m, 208, s.idt());
    m.setLong(224, s.cr0());
    m.setLong(232, s.cr2());
    m.setLong(240, s.cr3());
    m.setLong(248, s.cr4());
    m.setLong(256, s.cr8());
    m.setLong(264, s.efer());
    m.setLong(272, s.apicBase());
    ioctl(KvmApi.SET_SREGS, m, "KVM_SET_SREGS");
  }

  @Override
  public SpecialRegisters specialRegisters() throws HypervisorException {
    Memory m = new Memory(SREGS_SIZE);
    ioctl(KvmApi.GET_SREGS, m, "KVM_GET_SREGS");
    Segment[] segs = new Segment[8];
    for (int i = 0; i < segs.length; i++) {
      segs[i] = readSegment(m, i * SEGMENT_SIZE);
    }
    return new SpecialRegisters(segs[0], segs[1], segs[2], segs[3], segs[4], segs[5], segs[6], segs[7],
        new DescriptorTable(m.getLong(192), Short.toUnsignedInt(m.getShort(200))),
        new DescriptorTable(m.getLong(208), Short.toUnsignedInt(m.getShort(216))),
        m.getLong(224), m.getLong(232), m.getLong(240), m.getLong(248), m.getLong(256), m.getLong(264),
        m.getLong(272));
  }

  private static void writeSegment(Memory m, long o, Segment s) {
    m.setLong(o, s.base());
    m.setInt(o + 8, s.limit());
    m.setShort(o + 12, (short) s.selector());
    m.setByte(o + 14, (byte) s.type());
    m.setByte(o + 15, (byte) (s.present() ? 1 : 0));
    m.setByte(o + 16, (byte) s.dpl());
    m.setByte(o + 17, (byte) (s.db() ? 1 : 0));
    m.setByte(o + 18, (byte) (s.s() ? 1 : 0));
    m.setByte(o + 19, (byte) (s.l() ? 1 : 0));
    m.setByte(o + 20, (byte) (s.g() ? 1 : 0));
    m.setByte(o + 21, (byte) (s.avl() ? 1 : 0));
    m.setByte(o + 22, (byte) (s.unusable() ? 1 : 0));
    m.setByte(o + 23, (byte) 0);
  }

  private static Segment readSegment(Memory m, long o) {
    return new Segment(m.getLong(o), m.getInt(o + 8), Short.toUnsignedInt(m.getShort(o + 12)),
        m.getByte(o + 14), m.getByte(o + 15) != 0, m.getByte(o + 16), m.getByte(o + 17) != 0,
        m.getByte(o + 18) != 0, m.getByte(o + 19) != 0, m.getByte(o + 20) != 0, m.getByte(o + 21) != 0,
        m.getByte(o + 22) != 0);
  }

  private static void writeTable(Memory m, long o, DescriptorTable t) {
    m.setLong(o, t.base());
    m.setShort(o + 8, (short) t.limit());
    m.setShort(o + 10, (short) 0);
    m.setInt(o + 12, 0);
  }

  @Override
  public void setFpu(FpuState fpu) throws HypervisorException {
    Memory m = new Memory(FPU_SIZE);
    m.clear();
    m.setShort(128, (short) fpu.fcw());
    m.setInt(408, fpu.mxcsr());
    ioctl(KvmApi.SET_FPU, m, "KVM_SET_FPU");
  }

  @Override
  public void setupLapic() throws HypervisorException {
    Memory m = new Memory(LAPIC_SIZE);
    ioctl(KvmApi.GET_LAPIC, m, "KVM_GET_LAPIC");
    m.setInt(KvmApi.LAPIC_LVT_LINT0, deliveryMode(m.getInt(KvmApi.LAPIC_LVT_LINT0), KvmApi.APIC_MODE_EXTINT));
    m.setInt(KvmApi.LAPIC_LVT_LINT1, deliveryMode(m.getInt(KvmApi.LAPIC_LVT_LINT1), KvmApi.APIC_MODE_NMI));
    ioctl(KvmApi.SET_LAPIC, m, "KVM_SET_LAPIC");
  }

  private static int deliveryMode(int reg, int mode) {
    return (reg & ~0x700) | (mode << 8);
  }

  private int ioctl(long request, Pointer arg, String name) throws HypervisorException {
    try {
      return LibC.ioctl(fd, request, arg);
    } catch (LastErrorException e) {
      throw new HypervisorException(name + " failed on vCPU " + index + ": " + Errno.describe(e));
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // A kick may still be pending. HotSpot restores the thread's original signal mask when the
    // thread exits, which would deliver it and kill the process: consume it now. (close() runs on
    // the vCPU's own thread, like every other call but kick().)
    LibC.sigtimedwait(kickSet, null, noWait);
    try {
      LibC.munmap(runMapping, runSize);
    } catch (LastErrorException e) {
      log.warn("munmap of kvm_run failed: {}", Errno.describe(e));
    }
    Errno.closeQuietly(fd);
  }
}
