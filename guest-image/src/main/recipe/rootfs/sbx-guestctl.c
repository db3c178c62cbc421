/*
 * sbx-guestctl: the two things guest init cannot do from a shell.
 *   sbx-guestctl boot-timer   write 123 to I/O port 0x3f0 (the VMM's boot-timer port) through
 *                             /dev/port (CONFIG_DEVPORT; the kernel has no ioperm support)
 *   sbx-guestctl halt-vm      sync and reset the machine; with reboot=t on the kernel command
 *                             line that is a triple fault, which ends the VM in every engine
 * Built static inside the image build (gcc from the image's build-essential).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#define BOOT_TIMER_PORT 0x3f0
#define BOOT_TIMER_VALUE 123

static int boot_timer(void) {
  int fd = open("/dev/port", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    perror("sbx-guestctl: /dev/port");
    return 1;
  }
  unsigned char value = BOOT_TIMER_VALUE;
  ssize_t n = pwrite(fd, &value, 1, BOOT_TIMER_PORT);
  close(fd);
  if (n != 1) {
    perror("sbx-guestctl: boot-timer write");
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "boot-timer") == 0) {
    return boot_timer();
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
