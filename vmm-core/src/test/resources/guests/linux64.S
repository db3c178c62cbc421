/* 64-bit boot-protocol guest: checks boot_params, prints the command line and e820, resets.
 * Built twice: as an ELF vmlinux, and (BZIMAGE defined) as the payload of a synthetic bzImage
 * whose entry is at load address + 0x200. */
#define COM1 0x3f8
.code64
.text
.globl start64
#ifdef BZIMAGE
  .fill 0x200, 1, 0x90
#endif
start64:
  mov %rsi, %rbp
  cmpw $0xaa55, 0x1fe(%rbp)
  jne bad
  cmpl $0x53726448, 0x202(%rbp)
  jne bad
  lea msg_ok(%rip), %rsi
  call puts
  lea msg_cmdline(%rip), %rsi
  call puts
  mov 0x228(%rbp), %esi
  call puts
  mov $'\n', %al
  call putc
  movzbl 0x1e8(%rbp), %ecx
  lea 0x2d0(%rbp), %rdi
1:
  test %ecx, %ecx
  jz 2f
  lea msg_e820(%rip), %rsi
  call puts
  mov (%rdi), %rax
  call puthex64
  mov $' ', %al
  call putc
  mov 8(%rdi), %rax
  call puthex64
  mov $' ', %al
  call putc
  mov 16(%rdi), %eax
  call puthex64
  mov $'\n', %al
  call putc
  add $20, %rdi
  dec %ecx
  jmp 1b
2:
  lea msg_ramdisk(%rip), %rsi
  call puts
  mov 0x21c(%rbp), %eax
  call puthex64
  mov $'\n', %al
  call putc
  jmp reset
bad:
  lea msg_bad(%rip), %rsi
  call puts
reset:
  mov $0xfe, %al
  out %al, $0x64
3:
  hlt
  jmp 3b

putc:
  push %rdx
  mov $COM1, %dx
  out %al, %dx
  pop %rdx
  ret

puts:
  push %rax
1:
  lodsb
  test %al, %al
  jz 2f
  call putc
  jmp 1b
2:
  pop %rax
  ret

/* puthex64: print %rax as 16 hex digits. */
puthex64:
  push %rax
  push %rcx
  push %rdx
  mov %rax, %rdx
  mov $16, %ecx
1:
  rol $4, %rdx
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
  pop %rdx
  pop %rcx
  pop %rax
  ret

.section .rodata
msg_bad: .asciz "LINUX64 BAD BOOT PARAMS\n"
msg_ok: .asciz "LINUX64 OK\n"
msg_cmdline: .asciz "cmdline: "
msg_e820: .asciz "e820: "
msg_ramdisk: .asciz "ramdisk_size: "
