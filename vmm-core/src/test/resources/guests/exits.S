/* Benchmark guest: a fixed number of port writes to a no-op device, then reset.
 * The count is patched by the harness at symbol exit_count (offset 0 of .data). */
#include "common32.h"
#include "xen_note.h"
#ifndef EXIT_COUNT
#define EXIT_COUNT 100000
#endif
.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp          /* PVH gives no stack */
  mov exit_count, %ecx
  mov $0x520, %dx
1:
  out %al, %dx
  dec %ecx
  jnz 1b
  PUTS msg
  call reset
.section .rodata
msg: .asciz "exits done\n"
.data
.globl exit_count
exit_count: .long EXIT_COUNT
