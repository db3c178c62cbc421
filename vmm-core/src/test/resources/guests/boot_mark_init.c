/* PID 1 of the hardware-only Linux boot test: marks the boot timer, says so, reboots. */
#include <stdio.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void) {
  if (ioperm(0x3f0, 1, 1) == 0) {
    outb(123, 0x3f0);
  }
  printf("sbx-test-init reached\n");
  fflush(stdout);
  sync();
  reboot(RB_AUTOBOOT);
  return 1;
}
