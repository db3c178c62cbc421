/*
 * sbx-guestctl: the two things guest init cannot do from a shell.
 *   sbx-guestctl boot-timer   write 123 to I/O port 0x3f0 (the VMM's boot-timer port)
 *   sbx-guestctl halt-vm      sync and reset the machine; with reboot=t on the kernel command
 *                             line that is a triple fault, which ends the VM in every engine
 * Built static inside the image build (gcc from the image's build-essential).
 */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

#define BOOT_TIMER_PORT 0x3f0
#define BOOT_TIMER_VALUE 123

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "boot-timer") == 0) {
    if (ioperm(BOOT_TIMER_PORT, 1, 1) != 0) {
      perror("sbx-guestctl: ioperm");
      return 1;
    }
    outb(BOOT_TIMER_VALUE, BOOT_TIMER_PORT);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "halt-vm") == 0) {
    sync();
    reboot(RB_AUTOBOOT);
    perror("sbx-guestctl: reboot");
    return 1;
  }
  fprintf(stderr, "usage: sbx-guestctl boot-timer|halt-vm\n");
  return 2;
}
