/* Times a command the way a user waits for it: from just before fork to the first appearance of
 * MARKER on the command's stdout (the guest's serial console), and to the command's exit.
 * usage: marktime MARKER CONSOLE_COPY -- COMMAND [ARGS...]
 * prints one line: MARK_US EXIT_US STATUS CONSOLE_BYTES START_EPOCH_US (MARK_US is -1 when the marker
 * never came; START_EPOCH_US is the start on the real-time clock, to line up with logs).
 * The command's stderr is inherited; its stdout is copied to CONSOLE_COPY, and to CONSOLE_COPY.ts
 * with each line prefixed by the milliseconds since start at which its first byte arrived. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: %s MARKER CONSOLE_COPY -- COMMAND [ARGS...]\n", argv[0]);
    return 2;
  }
  const char *marker = argv[1];
  size_t mlen = strlen(marker);
  int copy = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (copy < 0) { perror(argv[2]); return 2; }
  FILE *ts = NULL;
  if (strcmp(argv[2], "/dev/null") != 0) {
    char name[4096];
    snprintf(name, sizeof name, "%s.ts", argv[2]);
    ts = fopen(name, "w");
  }
  int line_start = 1;
  int p[2];
  if (pipe(p) != 0) { perror("pipe"); return 2; }
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  long long t0 = now_us();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]); close(p[1]); close(copy);
    execvp(argv[4], argv + 4);
    perror(argv[4]);
    _exit(127);
  }
  close(p[1]);
  long long mark = -1, bytes = 0;
  char buf[65536 + 256];
  size_t keep = 0; /* bytes kept from the previous read, so a marker split across reads is found */
  for (;;) {
    ssize_t n = read(p[0], buf + keep, 65536);
    if (n <= 0) break;
    long long t = now_us();
    if (write(copy, buf + keep, n) != n) { /* best effort */ }
    bytes += n;
    for (ssize_t i = 0; ts && i < n; i++) {
      if (line_start) fprintf(ts, "%9.3f ", (t - t0) / 1000.0);
      fputc(buf[keep + i], ts);
      line_start = buf[keep + i] == '\n';
    }
    size_t len = keep + n;
    if (mark < 0 && memmem(buf, len, marker, mlen) != NULL) mark = t - t0;
    keep = mlen - 1 < len ? mlen - 1 : len;
    memmove(buf, buf + len - keep, keep);
  }
  int st;
  waitpid(pid, &st, 0);
  long long end = now_us() - t0;
  close(copy);
  if (ts) fclose(ts);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  printf("%lld %lld %d %lld %lld\n", mark, end, code, bytes, rt.tv_sec * 1000000LL + rt.tv_nsec / 1000);
  return 0;
}
