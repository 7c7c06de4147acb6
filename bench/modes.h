// The benchmark modes. Each mode lives in its own file (mode_<name>.cpp),
// appends its tables, notes, errors and correctness violations to the report,
// and cleans up its temporary data dirs.
// Thread safety: modes run one at a time on the main thread.
#pragma once

#include <chrono>
#include <string>

#include "options.h"
#include "report.h"

namespace trop::bench {

struct mode_context {
  const bench_options& options;
  report& out;
  const progress& status_line;  // progress on stderr
};

// One `trop` process end to end against the exec and exec+fdatasync floors.
void run_latency(const mode_context& ctx);
// Library costs as the store grows (open+lookup, reserve, release, list, validate).
void run_scale(const mode_context& ctx);
// Write transactions per second in one process, durability full and normal.
void run_txn(const mode_context& ctx);
// N processes reserving K keys each: binary, library, spawn limit, SQLite.
void run_concurrent(const mode_context& ctx);

// Adds one row to the report's "targets" table (created on first use).
// `limit` is the target for `measured`: an upper bound, or a lower
// bound when `higher_is_better`.
void add_target(report& out, const std::string& name, double measured, double limit,
                const std::string& detail, bool higher_is_better = false);

// Microseconds elapsed since `start`.
inline double micros_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace trop::bench
