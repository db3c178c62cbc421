/* A doorbell write that matches (value 1) and one that does not (value 2) to the same address. */
#include "common32.h"
#include "xen_note.h"
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp
  movl $1, 0xd0000050
  movl $2, 0xd0000050
  PUTS msg
  call reset
.section .rodata
msg: .asciz "doorbells rung\n"
