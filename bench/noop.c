/* trop_bench_noop: the floor of "exec a trivial program". Built with the
 * toolchain's default flags (dynamically linked against libc on Debian), so
 * it pays what every dynamically linked C program pays: exec, the dynamic
 * loader and libc start-up. */
int main(void) {
  return 0;
}
