/* PID 1 of bench/nested: the same initramfs for our VMM and for QEMU. It marks the boot timer
 * (value 123 to port 0x3f0: our VMM logs the time since the VMM started; QEMU ignores the write),
 * prints the marker line the benchmark times, and reboots (reboot=k: our i8042 resets the VM;
 * reboot=t on QEMU microvm: a triple fault, and -no-reboot makes QEMU exit).
 * The project kernel has no ioperm() (CONFIG_X86_IOPL_IOPERM is off), so the port write goes
 * through /dev/port (CONFIG_DEVPORT) when ioperm fails. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void mark_boot_timer(void) {
  if (ioperm(0x3f0, 1, 1) == 0) {
    outb(123, 0x3f0);
    return;
  }
  mknod("/dev/port", S_IFCHR | 0600, makedev(1, 4));
  int fd = open("/dev/port", O_WRONLY);
  if (fd >= 0) {
    unsigned char b = 123;
    if (pwrite(fd, &b, 1, 0x3f0) != 1) { /* no boot timer then */ }
    close(fd);
  }
}

int main(void) {
  mark_boot_timer();
  fputs("SBX-BOOT-MARK\n", stdout);
  fflush(stdout);
  reboot(RB_AUTOBOOT);
  return 1;
}
