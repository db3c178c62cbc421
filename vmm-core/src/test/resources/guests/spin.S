/* Never ends: for --timeout. */
#include "common32.h"
#include "xen_note.h"
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp          /* PVH gives no stack */
  PUTS msg
1:
  jmp 1b
.section .rodata
msg: .asciz "spinning\n"
