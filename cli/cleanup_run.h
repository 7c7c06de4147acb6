// What prune, expire and autoclean share (SPEC B §11, §12.6-12.8, A.1, A.2
// #13, #16): planning and applying a cleanup in one write transaction, or on
// a lock-free snapshot for a dry-run, and the pieces of their listings.
// Thread safety: main thread only (uses the context).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "context.h"
#include "trop/cleanup.h"

namespace trop::cli {

// Live run: takes the write lock (autoinit as for any writer), plans on the
// locked state, re-checks every candidate against the stored record, erases
// them and commits them as one transaction (nothing is written when nothing
// matched). Dry-run: plans on a snapshot without the lock; creates nothing.
// Returns what was (or would be) removed. Throws cli_error on store failures.
cleanup_plan run_cleanup(context& ctx, const cleanup_request& req, bool dry_run);

// "Warning: could not inspect reserved directory ..." for each uninspectable
// path of the plan (suppressed by --quiet).
void warn_uninspectable(context& ctx, const cleanup_plan& plan);

// A value in a --verbose listing: control characters escaped as in the list
// table (A.2 #26), an absent value as "-" (A.2 #13).
std::string listing_value(const std::optional<std::string>& value);
std::string listing_path(const std::string& path);

// Whole days since the record's last use, floor((now - last_used_at) / 86400).
std::int64_t age_in_days(const reservation& r, std::int64_t now);

// --quiet prints only the count, on stdout, and only when it is not zero.
void print_quiet_count(context& ctx, std::size_t count);

}  // namespace trop::cli
