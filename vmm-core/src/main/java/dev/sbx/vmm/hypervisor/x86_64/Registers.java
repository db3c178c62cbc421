package dev.sbx.vmm.hypervisor.x86_64;

/** General-purpose registers, RIP and RFLAGS. */
public record Registers(long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp,
    long rbp, long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
    long rip, long rflags) {

  /** RFLAGS bit 1 is reserved and always set. */
  public static final long RFLAGS_RESERVED = 0x2;

  /** All zero but the reserved RFLAGS bit. */
  public static Registers reset() {
    return new Registers(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, RFLAGS_RESERVED);
  }

  /** Entry state: the given pointers, everything else zero, interrupts off. */
  public static Registers entry(long rip, long rsp, long rbp, long rsi, long rbx) {
    long rax = 0, rcx = 0, rdx = 0, rdi = 0, r8 = 0, r9 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0,
        r14 = 0, r15 = 0;
    return new Registers(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14,
        r15, rip, RFLAGS_RESERVED);
  }
}
