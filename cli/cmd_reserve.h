// `trop reserve`: a sticky port for a directory (SPEC B §12.1, §9.2, A.2
// #1, #2, #15). Prints the port alone on stdout.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "lease_flags.h"
#include "occupancy.h"
#include "option_sink.h"
#include "trop/reserve.h"
#include "trop/store.h"

namespace trop::cli {

struct reserve_options {
  std::optional<std::string> path;
  std::optional<std::string> tag;
  std::optional<std::string> port;
  std::optional<std::string> min, max;
  std::optional<std::string> project, task;
  bool clear_project = false;
  bool clear_task = false;
  bool allow_unrelated_path = false;
  bool allow_project_change = false;
  bool allow_task_change = false;
  bool allow_change = false;
  bool force = false;
  bool overwrite = false;
  bool ignore_occupied = false;
  bool ignore_exclusions = false;
  bool disable_autoprune = false;
  bool disable_autoexpire = false;
  bool disable_autoclean = false;
  bool dry_run = false;
  occupancy_flags occupancy;
  lease_flags lease;  // --ttl, --owner-pid, --owner-self (docs/leases.md)
};

void setup_reserve(option_sink& sink, reserve_options& opts);
int run_reserve(const reserve_options& opts, context& ctx);

// What `trop reserve` and `trop exec` share. plan_reserve() makes every check
// that comes before the store is opened (SPEC B §12.1: configuration, path,
// tag, --port, the path guard) and returns the engine request; it throws the
// cli_error of the first failure and touches no store.
reserve_request plan_reserve(const reserve_options& opts, context& ctx);

// The engine hooks of a reservation: occupancy under the effective policy,
// git inference for new keys, --verbose tracing. Used by the group commands too.
reserve_hooks make_reserve_hooks(context& ctx);

// Runs the engine's reserve operation (SPEC B §9.2, §9.3) in `txn` without
// committing; a failure throws its cli_error (the caller drops `txn`).
reserve_outcome reserve_in(context& ctx, write_transaction& txn, const reserve_request& req);

// --dry-run (A.2 #15): plans `req` on a snapshot without the lock, says on
// stderr what a live run would do, and returns the outcome; commits nothing.
reserve_outcome preview_reserve(context& ctx, const store& st, const reserve_request& req);

// The preferred-port and automatic-cleanup warnings of an outcome (stderr).
void report_reserve_warnings(context& ctx, const reserve_outcome& out);

}  // namespace trop::cli
