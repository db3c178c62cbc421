/* Guest-side file test tool for the virtio-fs device tests (built static at test time); what a
 * busybox shell cannot do. Each command prints one line and exits 0 on success.
 *   fst mmap-write FILE OFFSET TEXT  write TEXT through a MAP_SHARED mapping, msync(MS_SYNC)
 *   fst mmap-read FILE LENGTH        print the first LENGTH bytes read through a mapping
 *   fst fsync-write FILE TEXT        create/truncate FILE, write TEXT, fsync, close
 *   fst errno-of OP PATH             try OP (create|mkdir|unlink|rename-to:PATH2|write) and print
 *                                    the errno name, or "ok" */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what) {
  printf("fst %s: %s\n", what, strerror(errno));
  return 1;
}

static const char *errname(int e) {
  switch (e) {
    case EROFS: return "EROFS";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    default: return "other";
  }
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "mmap-write") == 0) {
    long off = atol(argv[3]);
    size_t n = strlen(argv[4]);
    int fd = open(argv[2], O_RDWR);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) return fail("open");
    if ((size_t)st.st_size < off + n) { printf("fst: file too small\n"); return 1; }
    char *p = mmap(0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap");
    memcpy(p + off, argv[4], n);
    if (msync(p, st.st_size, MS_SYNC) < 0) return fail("msync");
    munmap(p, st.st_size);
    close(fd);
    printf("mmap-write ok\n");
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "mmap-read") == 0) {
    size_t n = strtoul(argv[3], 0, 10);
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) return fail("open");
    char *p = mmap(0, n, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap");
    fwrite(p, 1, n, stdout);
    printf("\n");
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "fsync-write") == 0) {
    int fd = open(argv[2], O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    size_t n = strlen(argv[3]);
    if (write(fd, argv[3], n) != (ssize_t)n) return fail("write");
    if (fsync(fd) < 0) return fail("fsync");
    if (close(fd) < 0) return fail("close");
    printf("fsync-write ok\n");
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "errno-of") == 0) {
    const char *op = argv[2], *path = argv[3];
    int r;
    if (strcmp(op, "create") == 0) {
      r = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
    } else if (strcmp(op, "write") == 0) {
      r = open(path, O_WRONLY);
    } else if (strcmp(op, "mkdir") == 0) {
      r = mkdir(path, 0755);
    } else if (strcmp(op, "unlink") == 0) {
      r = unlink(path);
    } else if (strncmp(op, "rename-to:", 10) == 0) {
      r = rename(path, op + 10);
    } else {
      printf("fst: unknown op %s\n", op);
      return 2;
    }
    printf("%s\n", r < 0 ? errname(errno) : "ok");
    return 0;
  }
  printf("usage: fst mmap-write|mmap-read|fsync-write|errno-of ...\n");
  return 2;
}
