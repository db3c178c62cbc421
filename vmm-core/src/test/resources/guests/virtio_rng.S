/* Drives the virtio-rng device in virtio-mmio slot 0 (0xc0000000) the way Linux's driver does,
 * polled: handshake, one 8-entry queue, one 16-byte request, kick (an ioeventfd on KVM), wait for
 * the used ring, check InterruptStatus, print what arrived, reset. */
#include "common32.h"
#include "xen_note.h"
#define VM 0xc0000000
#define DESC 0x200000
#define AVAIL 0x201000
#define USED 0x202000
#define BUF 0x203000
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp
  cmpl $0x74726976, VM + 0x000
  jne fail
  cmpl $2, VM + 0x004
  jne fail
  cmpl $4, VM + 0x008
  jne fail
  movl $0, VM + 0x070
  movl $1, VM + 0x070
  movl $3, VM + 0x070
  /* Accept exactly VERSION_1 (bit 32). */
  movl $1, VM + 0x014
  testl $1, VM + 0x010
  jz fail
  movl $1, VM + 0x024
  movl $1, VM + 0x020
  movl $0, VM + 0x024
  movl $0, VM + 0x020
  movl $0xb, VM + 0x070
  testl $8, VM + 0x070
  jz fail
  /* Queue 0: 8 entries. */
  movl $0, VM + 0x030
  cmpl $0, VM + 0x034
  je fail
  movl $8, VM + 0x038
  movl $DESC, VM + 0x080
  movl $0, VM + 0x084
  movl $AVAIL, VM + 0x090
  movl $0, VM + 0x094
  movl $USED, VM + 0x0a0
  movl $0, VM + 0x0a4
  movl $1, VM + 0x044
  movl $0xf, VM + 0x070
  /* Descriptor 0: 16 device-writable bytes at BUF. */
  movl $BUF, DESC
  movl $0, DESC + 4
  movl $16, DESC + 8
  movw $2, DESC + 12
  movw $0, DESC + 14
  movw $0, AVAIL + 4
  movw $1, AVAIL + 2
  movl $0, VM + 0x050
  mov $2000000, %ecx
1:
  cmpw $1, USED + 2
  je 2f
  pause
  dec %ecx
  jnz 1b
  jmp fail
2:
  /* The device publishes the used element before it raises InterruptStatus (another host thread
   * may serve the notification), so give the status bit a bounded time to appear. */
  mov $2000000, %ecx
4:
  testl $1, VM + 0x060
  jnz 5f
  pause
  dec %ecx
  jnz 4b
5:
  PUTS msg_len
  mov USED + 8, %eax
  call puthex32
  PUTS msg_isr
  mov VM + 0x060, %eax
  call puthex32
  movl $1, VM + 0x064
  PUTS msg_after
  mov VM + 0x060, %eax
  call puthex32
  PUTS msg_data
  mov BUF, %eax
  or BUF + 4, %eax
  or BUF + 8, %eax
  or BUF + 12, %eax
  test %eax, %eax
  jz 3f
  PUTS msg_random
3:
  PUTS msg_nl
  call reset
fail:
  PUTS msg_fail
  call reset
.section .rodata
msg_len: .asciz "used len "
msg_isr: .asciz " isr "
msg_after: .asciz " after ack "
msg_data: .asciz " data"
msg_random: .asciz " random"
msg_nl: .asciz "\n"
msg_fail: .asciz "virtio handshake failed\n"
