/* Minimal C reference for the exit round-trip benchmark: runs the same freestanding PVH guest
 * (flat binary loaded at 1 MiB, entered in 32-bit protected mode) and counts port-I/O exits.
 * usage: kvm_ref FLAT_BINARY ENTRY EXPECTED_EXITS */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int tss) {
  memset(s, 0, sizeof *s);
  s->base = 0; s->limit = tss ? 0x67 : 0xffffffff; s->selector = sel; s->type = type; s->present = 1;
  s->db = tss ? 0 : 1; s->s = tss ? 0 : 1; s->g = tss ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s FLAT ENTRY EXITS\n", argv[0]); return 2; }
  long expected = atol(argv[3]);
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000);
  ioctl(vm, KVM_CREATE_IRQCHIP, 0);
  size_t memsz = 64 << 20;
  uint8_t *mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  struct kvm_userspace_memory_region r = {.slot = 0, .guest_phys_addr = 0, .memory_size = memsz,
                                          .userspace_addr = (uint64_t)mem};
  ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
  FILE *f = fopen(argv[1], "rb");
  size_t n = fread(mem + 0x100000, 1, memsz - 0x100000, f);
  fclose(f);
  (void)n;
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  struct kvm_run *run = mmap(NULL, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  struct kvm_sregs sregs;
  ioctl(vcpu, KVM_GET_SREGS, &sregs);
  seg(&sregs.cs, 8, 0xb, 0);
  seg(&sregs.ds, 16, 0x3, 0); sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
  seg(&sregs.tr, 24, 0xb, 1);
  sregs.cr0 = 0x11; sregs.cr4 = 0; sregs.efer = 0;
  ioctl(vcpu, KVM_SET_SREGS, &sregs);
  struct kvm_regs regs = {.rip = strtoul(argv[2], NULL, 0), .rflags = 2, .rsp = 0x80000};
  ioctl(vcpu, KVM_SET_REGS, &regs);
  long exits = 0;
  double t0 = now();
  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0) { perror("KVM_RUN"); return 1; }
    if (run->exit_reason == KVM_EXIT_IO) {
      if (run->io.port == 0x520) exits++;
      if (run->io.port == 0x64) break;  /* reset request */
      continue;
    }
    fprintf(stderr, "unexpected exit %d\n", run->exit_reason);
    return 1;
  }
  double t1 = now();
  if (exits != expected) { fprintf(stderr, "saw %ld exits, expected %ld\n", exits, expected); return 1; }
  printf("%.0f\n", t1 - t0);
  return 0;
}
