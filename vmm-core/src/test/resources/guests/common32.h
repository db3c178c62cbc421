/* Serial helpers for 32-bit freestanding test guests (paging off, flat segments). */
#define COM1 0x3f8

.macro PUTS label
  mov $\label, %esi
  call puts
.endm

.code32
.text
/* putc: print %al. */
putc:
  push %edx
  mov $COM1, %dx
  out %al, %dx
  pop %edx
  ret

/* puts: print the NUL-terminated string at %esi. */
puts:
  push %eax
1:
  lodsb
  test %al, %al
  jz 2f
  call putc
  jmp 1b
2:
  pop %eax
  ret

/* puthex32: print %eax as 8 hex digits. */
puthex32:
  push %eax
  push %ecx
  push %edx
  mov %eax, %edx
  mov $8, %ecx
1:
  rol $4, %edx
  mov %edx, %eax
  and $0xf, %eax
  cmp $10, %eax
  jb 2f
  add $('a' - 10 - '0'), %eax
2:
  add $'0', %eax
  call putc
  dec %ecx
  jnz 1b
  pop %edx
  pop %ecx
  pop %eax
  ret

/* puthex64: print the 64-bit value at (%edi) as 16 hex digits. */
puthex64:
  push %eax
  mov 4(%edi), %eax
  call puthex32
  mov (%edi), %eax
  call puthex32
  pop %eax
  ret

/* reset: ask the i8042 to pulse the reset line; never returns. */
reset:
  mov $0xfe, %al
  out %al, $0x64
1:
  hlt
  jmp 1b
