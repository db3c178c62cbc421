/* Faults with an empty IDT: #UD -> #GP -> #DF -> triple fault. */
#include "common32.h"
#include "xen_note.h"
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp          /* PVH gives no stack */
  PUTS msg
  ud2
.section .rodata
msg: .asciz "about to fault\n"
