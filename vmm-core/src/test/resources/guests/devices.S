/* Port I/O and MMIO to the test device: writes of each width, reads echoed back, then reset.
 * Ports 0x510-0x51f and MMIO 0xd0000000-0xd0000fff belong to the test device. */
#include "common32.h"
#include "xen_note.h"
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp          /* PVH gives no stack */
  mov $0x510, %dx
  mov $0x11, %al
  out %al, %dx
  mov $0x512, %dx
  mov $0x2233, %ax
  out %ax, %dx
  mov $0x514, %dx
  mov $0x44556677, %eax
  out %eax, %dx
  mov $0x518, %dx
  in %dx, %eax
  mov $0x51c, %dx
  out %eax, %dx
  mov $0x519, %dx
  in %dx, %al
  mov $0x51d, %dx
  out %al, %dx
  movl $0xcafebabe, 0xd0000000
  movw $0xbeef, 0xd0000010
  movb $0x5a, 0xd0000020
  mov 0xd0000100, %eax
  mov %eax, 0xd0000104
  movzbl 0xd0000108, %eax
  mov %eax, 0xd000010c
  PUTS msg
  call reset
.section .rodata
msg: .asciz "devices done\n"
