/* Interrupt delivery through KVM's in-kernel IOAPIC and LAPIC: routes GSI 10 to vector 0x30,
 * says "ready", waits with interrupts on; the handler says which vector arrived and resets. */
#include "common32.h"
#include "xen_note.h"
#define IOAPIC 0xfec00000
#define LAPIC 0xfee00000
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp
  /* Gate 0x30's offset halves, filled at run time (the linker cannot split an address). */
  mov $handler, %eax
  mov %ax, idt + 0x30 * 8
  shr $16, %eax
  mov %ax, idt + 0x30 * 8 + 6
  lidt idt_desc
  /* Mask both 8259 PICs: KVM's PIT ticks on IRQ 0 and would arrive through LINT0 (ExtINT). */
  mov $0xff, %al
  out %al, $0x21
  out %al, $0xa1
  /* LAPIC: software-enable (SVR bit 8, spurious vector 0xff), accept all priorities. */
  movl $0x1ff, LAPIC + 0xf0
  movl $0, LAPIC + 0x80
  /* IOAPIC redirection entry for GSI 10 (registers 0x24/0x25): vector 0x30, fixed, edge,
   * active high, unmasked, destination APIC ID 0. */
  movl $0x25, IOAPIC
  movl $0, IOAPIC + 0x10
  movl $0x24, IOAPIC
  movl $0x30, IOAPIC + 0x10
  PUTS msg_ready
  sti
1:
  hlt
  jmp 1b

handler:
  PUTS msg_irq
  movl $0, LAPIC + 0xb0        /* EOI */
  call reset

.section .rodata
msg_ready: .asciz "ready\n"
msg_irq: .asciz "irq 30\n"

.data
.balign 8
/* 0x31 gate descriptors; only 0x30 is present: 32-bit interrupt gate to handler, selector 0x08. */
idt:
  .fill 0x30, 8, 0
  .word 0          /* offset 15:0, filled at start-up */
  .word 0x08
  .word 0x8e00
  .word 0
idt_end:
idt_desc:
  .word idt_end - idt - 1
  .long idt
