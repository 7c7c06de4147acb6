/* trop_bench_rss: runs a command and prints its peak resident set size.
 *
 *   trop_bench_rss PROGRAM [ARG...]    ->  stdout: "<peak RSS in KiB> <exit status>\n"
 *
 * The peak comes from wait4's ru_maxrss. A child started by posix_spawn
 * (vfork) shares its parent's memory until exec, and the kernel folds that
 * memory's high-water mark into the child's ru_maxrss at exec: measured from
 * trop-bench (megabytes of tables) it would report trop-bench's size. This
 * program is tiny (linked -static when possible), so the number is the
 * command's own. The child's stdout and stderr go to /dev/null. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char** environ;

int main(int argc, char** argv) {
  posix_spawn_file_actions_t fa;
  struct rusage ru;
  pid_t pid;
  int status = 0;
  if (argc < 2) {
    fputs("usage: trop_bench_rss PROGRAM [ARG...]\n", stderr);
    return 2;
  }
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&pid, argv[1], &fa, NULL, argv + 1, environ) != 0) {
    perror("trop_bench_rss: posix_spawn");
    return 1;
  }
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("trop_bench_rss: wait4");
    return 1;
  }
  printf("%ld %d\n", ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
