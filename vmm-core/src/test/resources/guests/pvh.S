/* PVH guest: checks the start-info magic, prints the command line and memmap, resets. */
#include "common32.h"
#include "xen_note.h"

.code32
.globl pvh_start
pvh_start:
  mov $0x80000, %esp          /* PVH gives no stack */
  mov %ebx, %ebp
  cmpl $0x336ec578, (%ebp)
  je 1f
  PUTS msg_bad
  call reset
1:
  PUTS msg_ok
  PUTS msg_cmdline
  mov 24(%ebp), %esi
  call puts
  mov $'\n', %al
  call putc
  mov 48(%ebp), %ecx          /* memmap_entries */
  mov 40(%ebp), %edi          /* memmap_paddr */
2:
  test %ecx, %ecx
  jz 3f
  PUTS msg_memmap
  call puthex64
  mov $' ', %al
  call putc
  add $8, %edi
  call puthex64
  mov $' ', %al
  call putc
  mov 8(%edi), %eax
  call puthex32
  mov $'\n', %al
  call putc
  add $16, %edi
  dec %ecx
  jmp 2b
3:
  PUTS msg_modules
  mov 12(%ebp), %eax
  call puthex32
  mov $'\n', %al
  call putc
  PUTS msg_rsdp                /* rsdp_paddr and the signature found there */
  mov 32(%ebp), %eax
  call puthex32
  mov $' ', %al
  call putc
  mov 32(%ebp), %esi
  mov $8, %ecx
4:
  lodsb
  call putc
  dec %ecx
  jnz 4b
  mov $'\n', %al
  call putc
  call reset

.section .rodata
msg_rsdp: .asciz "rsdp: "
msg_bad: .asciz "PVH BAD MAGIC\n"
msg_ok: .asciz "PVH OK\n"
msg_cmdline: .asciz "cmdline: "
msg_memmap: .asciz "memmap: "
msg_modules: .asciz "modules: "
