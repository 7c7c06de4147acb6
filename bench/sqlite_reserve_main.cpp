// trop_bench_sqlite_reserve: the process baseline of `concurrent
// --vs-sqlite` and `latency --vs-sqlite`. One run = what the original tool's
// `reserve` does in SQLite (open, pragmas, the reserve transaction), without
// configuration discovery or occupancy probes; spawned exactly like
// `trop reserve`.
//
//   trop_bench_sqlite_reserve DB PATH full|normal MIN MAX
//
// stdout: the port and a newline. stderr: "write lock acquired after X ms"
// (the time spent in BEGIN IMMEDIATE), the format of `trop --verbose`.
// Exit status: 0, 1 on an error, 2 on a usage error, 5 when the lock wait
// timed out ("database is locked", like trop's exit 2 on a lock timeout),
// 6 when the range is full.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "sqlite_reserve.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fputs("usage: trop_bench_sqlite_reserve DB PATH full|normal MIN MAX\n", stderr);
    return 2;
  }
  const std::string mode = argv[3];
  if (mode != "full" && mode != "normal") {
    std::fputs("trop_bench_sqlite_reserve: durability must be full or normal\n", stderr);
    return 2;
  }
  const auto min_port = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10));
  const auto max_port = static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 10));
  // The original's default lock wait: 5 s.
  trop::bench::sqlite_store db(argv[1], mode == "full", std::chrono::milliseconds(5000));
  if (!db.error().empty()) {
    std::fprintf(stderr, "trop_bench_sqlite_reserve: %s\n", db.error().c_str());
    return 1;
  }
  auto r = db.reserve(argv[2], min_port, max_port, static_cast<std::int64_t>(std::time(nullptr)));
  if (r.exhausted) {
    std::fprintf(stderr, "trop_bench_sqlite_reserve: port range %u-%u exhausted\n", min_port,
                 max_port);
    return 6;
  }
  if (!r.ok) {
    std::fprintf(stderr, "trop_bench_sqlite_reserve: %s\n", r.error.c_str());
    return r.busy ? 5 : 1;
  }
  std::printf("%u\n", static_cast<unsigned>(r.port));
  std::fprintf(stderr, "write lock acquired after %.3f ms\n",
               static_cast<double>(r.lock_wait.count()) / 1000.0);
  return 0;
}
