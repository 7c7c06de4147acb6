/* trop_bench_noop_sync: the floor of "exec a trivial program + one small
 * durable write": appends 4 KiB to the file named by argv[1] and fdatasyncs
 * it. Appending (rather than overwriting) changes the file size, so the sync
 * also commits the size, as a WAL append by `trop reserve` must. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  static char block[4096];
  int fd;
  if (argc != 2) {
    return 2;
  }
  memset(block, 'x', sizeof block);
  fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return 1;
  }
  if (write(fd, block, sizeof block) != (ssize_t)sizeof block || fdatasync(fd) != 0) {
    close(fd);
    return 1;
  }
  return close(fd) == 0 ? 0 : 1;
}
