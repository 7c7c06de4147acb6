// The single-reservation operation of `trop reserve` (SPEC B §9.2, §9.3 with
// A.2 #1, #2, #28): sticky metadata, idempotent refresh, overwrite, the
// preferred port, allocation, and automatic cleanup with one retry on
// exhaustion. It runs inside a write transaction, or a dry-run transaction.
// Thread safety: a function of its arguments; hooks are called serially.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "trop/allocation.h"
#include "trop/cleanup.h"
#include "trop/port_range.h"
#include "trop/reservation.h"
#include "trop/store.h"

namespace trop {

// Where a project or task value comes from decides how it is used:
//   preserve      nothing given: keep the stored value; new keys ask the
//                 metadata hook (git inference)
//   set_default   from trop.yaml / trop.local.yaml: used for new keys only,
//                 never a sticky change (A.2 #28)
//   set_explicit  from the command line or TROP_PROJECT / TROP_TASK:
//                 sticky-checked against a stored value
//   clear         --clear-project / --clear-task: sticky-checked
struct metadata_intent {
  enum class kind { preserve, set_default, set_explicit, clear };
  kind how = kind::preserve;
  std::string value;  // set_* only; already trimmed and validated
};

struct reserve_request {
  reservation_key key;
  std::optional<std::uint16_t> preferred;
  port_range range;
  exclusion_set excluded;
  metadata_intent project, task;
  bool overwrite = false;  // re-allocate an existing key
  bool force = false;      // overwrite + ignore-* + both metadata permissions
  bool ignore_occupied = false;
  bool ignore_exclusions = false;
  bool allow_project_change = false;
  bool allow_task_change = false;
  bool prune_enabled = true;
  bool expire_enabled = true;
  std::uint32_t expire_after_days = 30;
  std::int64_t now = 0;  // Unix seconds
};

struct inferred_metadata {
  std::optional<std::string> project, task;
};

struct reserve_hooks {
  occupancy_check occupied;                                    // empty: never occupied
  std::function<inferred_metadata(const std::string&)> infer;  // empty: nothing inferred
  path_inspector inspect;                                      // empty: inspect_path
  trace_fn trace;                                              // --verbose lines
};

struct reserve_outcome {
  enum class action { created, refreshed, metadata_updated, reallocated };
  action what = action::created;
  std::uint16_t port = 0;
  reservation record;  // as stored
  // "preferred port X is <why>; reserved Y instead" (A.2 #2), when it applies.
  std::optional<std::string> preferred_warning;
  // When automatic cleanup ran and the retry succeeded.
  std::optional<cleanup_plan> cleanup;
};

// Decides and applies (put/erase on `txn`); does not commit. Errors:
//   sticky_violation  a set_explicit/clear intent differs from the stored value
//   exhausted         no port; message as SPEC B §9.3
//   corruption        from reads
status reserve(write_transaction& txn, const reserve_request& req, const reserve_hooks& hooks,
               reserve_outcome* out);

}  // namespace trop
