/* Guest-side vsock test tool for the device tests (built static at test time).
 *   vsockt send CID PORT BYTES   connect and write BYTES of the test pattern, then close
 *   vsockt recv PORT BYTES       accept one connection, read to EOF, check the pattern
 * The pattern byte at offset i is (i * 7 + (i >> 11)) & 0xff on both sides. */
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char pat(unsigned long i) { return (unsigned char)((i * 7 + (i >> 11)) & 0xff); }

int main(int argc, char **argv) {
  static unsigned char buf[65536];
  if (argc == 5 && strcmp(argv[1], "send") == 0) {
    unsigned long total = strtoul(argv[4], 0, 10), off = 0;
    int s = socket(AF_VSOCK, SOCK_STREAM, 0);
    struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = atoi(argv[2]), .svm_port = atoi(argv[3])};
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("vsockt connect"); return 1; }
    while (off < total) {
      size_t n = total - off < sizeof buf ? total - off : sizeof buf;
      for (size_t k = 0; k < n; k++) buf[k] = pat(off + k);
      ssize_t w = write(s, buf, n);
      if (w <= 0) { perror("vsockt write"); return 1; }
      off += w;
    }
    close(s);
    printf("vsockt sent %lu\n", off);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "recv") == 0) {
    unsigned long want = strtoul(argv[3], 0, 10), off = 0;
    int l = socket(AF_VSOCK, SOCK_STREAM, 0);
    struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = atoi(argv[2])};
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) { perror("vsockt listen"); return 1; }
    printf("vsockt listening %s\n", argv[2]);
    fflush(stdout);
    int s = accept(l, 0, 0);
    if (s < 0) { perror("vsockt accept"); return 1; }
    for (;;) {
      ssize_t r = read(s, buf, sizeof buf);
      if (r < 0) { perror("vsockt read"); return 1; }
      if (r == 0) break;
      for (ssize_t k = 0; k < r; k++)
        if (buf[k] != pat(off + k)) { printf("vsockt mismatch at %lu\n", off + k); return 1; }
      off += r;
    }
    printf("vsockt received %lu %s\n", off, off == want ? "ok" : "short");
    return off == want ? 0 : 1;
  }
  fprintf(stderr, "usage: vsockt send CID PORT BYTES | vsockt recv PORT BYTES\n");
  return 2;
}
