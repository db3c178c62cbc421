/* PID 1 of the hardware-only Linux boot test: marks the boot timer, says so, reboots. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

/* The project kernel has no ioperm (CONFIG_X86_IOPL_IOPERM off), so the port is written through
 * /dev/port, as the sandbox's init does; devtmpfs is not mounted automatically in an initramfs. */
static int mark_boot_timer(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  int fd = open("/dev/port", O_WRONLY);
  if (fd >= 0) {
    unsigned char magic = 123;
    int ok = pwrite(fd, &magic, 1, 0x3f0) == 1;
    close(fd);
    if (ok) {
      return 0;
    }
  }
  if (ioperm(0x3f0, 1, 1) == 0) {
    outb(123, 0x3f0);
    return 0;
  }
  return -1;
}

int main(void) {
  if (mark_boot_timer() != 0) {
    printf("sbx-test-init: cannot write the boot-timer port\n");
  }
  printf("sbx-test-init reached\n");
  fflush(stdout);
  sync();
  reboot(RB_AUTOBOOT);
  return 1;
}
