// Prune (reservations whose directory is gone), expire (unused for N days)
// and their combination (SPEC B §11, §12.6-12.8). Selection reads a snapshot;
// applying erases the selection inside a write transaction.
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trop/reservation.h"
#include "trop/status.h"
#include "trop/store.h"

namespace trop {

enum class path_verdict { keep, prune, uninspectable };

struct path_inspection {
  path_verdict verdict = path_verdict::keep;
  std::string kind;        // uninspectable only: "permission denied", "symlink loop", ...
  std::string os_message;  // uninspectable only: strerror text
};

// stat(2), following symlinks: a directory is kept; missing, not a
// directory, ENOTDIR or ENAMETOOLONG is pruned; anything else is uninspectable.
path_inspection inspect_path(const std::string& path);
using path_inspector = std::function<path_inspection(const std::string&)>;

struct uninspectable_path {
  std::string path, kind, os_message;
  std::string advice;  // the sentence SPEC B §12.6 gives for the kind
};

struct cleanup_request {
  bool prune = false;
  bool expire = false;
  std::uint32_t expire_after_days = 30;
  std::int64_t now = 0;    // Unix seconds
  path_inspector inspect;  // empty = inspect_path
};

struct cleanup_plan {
  // Pruned in key order; expired by last_used_at ascending (ties in key
  // order). A record both stale and old counts once, as pruned.
  std::vector<reservation> pruned, expired;
  std::vector<uninspectable_path> uninspectable;
  std::size_t total() const { return pruned.size() + expired.size(); }
};

// Whether `r` is older than `days` at `now` (strictly: exactly N days survives).
bool is_expired(const reservation& r, std::uint32_t days, std::int64_t now);

// Errors: the snapshot's read errors (corruption).
result<cleanup_plan> plan_cleanup(const snapshot& snap, const cleanup_request& req);
// Erases every selected record. Errors: those of write_transaction::erase.
status apply_cleanup(write_transaction& txn, const cleanup_plan& plan);

}  // namespace trop
