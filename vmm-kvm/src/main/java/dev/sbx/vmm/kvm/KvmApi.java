package dev.sbx.vmm.kvm;

/** KVM ioctl numbers, capabilities and {@code kvm_run} layout for x86-64 (linux/kvm.h). */
final class KvmApi {
  static final int API_VERSION = 12;

  static final long GET_API_VERSION = 0xAE00L;
  static final long CREATE_VM = 0xAE01L;
  static final long CHECK_EXTENSION = 0xAE03L;
  static final long GET_VCPU_MMAP_SIZE = 0xAE04L;
  static final long GET_SUPPORTED_CPUID = 0xC008AE05L;
  static final long CREATE_VCPU = 0xAE41L;
  static final long SET_USER_MEMORY_REGION = 0x4020AE46L;
  static final long SET_TSS_ADDR = 0xAE47L;
  static final long SET_IDENTITY_MAP_ADDR = 0x4008AE48L;
  static final long CREATE_IRQCHIP = 0xAE60L;
  static final long IRQ_LINE = 0x4008AE61L;
  static final long IRQFD = 0x4020AE76L;
  static final long CREATE_PIT2 = 0x4040AE77L;
  static final long IOEVENTFD = 0x4040AE79L;
  static final long RUN = 0xAE80L;
  static final long GET_REGS = 0x8090AE81L;
  static final long SET_REGS = 0x4090AE82L;
  static final long GET_SREGS = 0x8138AE83L;
  static final long SET_SREGS = 0x4138AE84L;
  static final long SET_MSRS = 0x4008AE89L;
  static final long SET_SIGNAL_MASK = 0x4004AE8BL;
  static final long SET_FPU = 0x41A0AE8DL;
  static final long GET_LAPIC = 0x8400AE8EL;
  static final long SET_LAPIC = 0x4400AE8FL;
  static final long SET_CPUID2 = 0x4008AE90L;

  static final int CAP_IRQCHIP = 0;
  static final int CAP_USER_MEMORY = 3;
  static final int CAP_SET_TSS_ADDR = 4;
  static final int CAP_EXT_CPUID = 7;
  static final int CAP_NR_VCPUS = 9;
  static final int CAP_IRQFD = 32;
  static final int CAP_PIT2 = 33;
  static final int CAP_IOEVENTFD = 36;
  static final int CAP_MAX_VCPUS = 66;
  static final int CAP_IMMEDIATE_EXIT = 136;

  static final int EXIT_UNKNOWN = 0;
  static final int EXIT_EXCEPTION = 1;
  static final int EXIT_IO = 2;
  static final int EXIT_HYPERCALL = 3;
  static final int EXIT_DEBUG = 4;
  static final int EXIT_HLT = 5;
  static final int EXIT_MMIO = 6;
  static final int EXIT_IRQ_WINDOW_OPEN = 7;
  static final int EXIT_SHUTDOWN = 8;
  static final int EXIT_FAIL_ENTRY = 9;
  static final int EXIT_INTR = 10;
  static final int EXIT_INTERNAL_ERROR = 17;
  static final int EXIT_SYSTEM_EVENT = 24;

  static final int SYSTEM_EVENT_SHUTDOWN = 1;
  static final int SYSTEM_EVENT_RESET = 2;
  static final int SYSTEM_EVENT_CRASH = 3;

  // struct kvm_run offsets.
  static final int RUN_IMMEDIATE_EXIT = 1;
  static final int RUN_EXIT_REASON = 8;
  static final int RUN_UNION = 32;
  static final int IO_DIRECTION = RUN_UNION;
  static final int IO_SIZE = RUN_UNION + 1;
  static final int IO_PORT = RUN_UNION + 2;
  static final int IO_COUNT = RUN_UNION + 4;
  static final int IO_DATA_OFFSET = RUN_UNION + 8;
  static final int IO_DIRECTION_OUT = 1;
  static final int MMIO_PHYS_ADDR = RUN_UNION;
  static final int MMIO_DATA = RUN_UNION + 8;
  static final int MMIO_LEN = RUN_UNION + 16;
  static final int MMIO_IS_WRITE = RUN_UNION + 20;

  /** Where KVM keeps its three TSS pages on Intel, below the IOAPIC and out of guest RAM. */
  static final long TSS_ADDRESS = 0xfffb_d000L;
  static final long IDENTITY_MAP_ADDRESS = 0xfffb_c000L;
  static final int PIT_SPEAKER_DUMMY = 1;

  static final int IOEVENTFD_FLAG_DATAMATCH = 1;

  static final int LAPIC_LVT_LINT0 = 0x350;
  static final int LAPIC_LVT_LINT1 = 0x360;
  static final int APIC_MODE_NMI = 0x4;
  static final int APIC_MODE_EXTINT = 0x7;

  private KvmApi() {}

  static String exitName(int reason) {
    return switch (reason) {
      case EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
      case EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
      case EXIT_HYPERCALL -> "KVM_EXIT_HYPERCALL";
      case EXIT_DEBUG -> "KVM_EXIT_DEBUG";
      case EXIT_IRQ_WINDOW_OPEN -> "KVM_EXIT_IRQ_WINDOW_OPEN";
      case EXIT_INTR -> "KVM_EXIT_INTR";
      default -> "KVM exit " + reason;
    };
  }
}
