// The single-reservation operation of `trop reserve` (SPEC B §9.2, §9.3 with
// A.2 #1, #2, #28): sticky metadata, idempotent refresh, overwrite, the
// preferred port, allocation, and automatic cleanup with one retry on
// exhaustion. It runs inside a write transaction, or a dry-run transaction.
// Leases (issue 7): before planning, every reserve reclaims the lapsed leases
// of other keys whose ports are free (lease_reclaim.h), and it stores the
// request's lease on the key.
// Thread safety: a function of its arguments; hooks are called serially.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "trop/allocation.h"
#include "trop/cleanup.h"
#include "trop/lease.h"
#include "trop/lease_reclaim.h"
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
  // The lease the key holds after this reserve. A new key gets it; an
  // existing key's stored lease is REPLACED by it, so a plain reserve
  // (nullopt) of a leased key makes it sticky. A change of the lease alone
  // is a real (durable) change, not a refresh. The request's own key is never
  // reclaimed by its own reserve: re-reserving a key whose lease lapsed
  // refreshes it (its port is kept) with the new lease.
  std::optional<trop::lease> lease;
};

struct inferred_metadata {
  std::optional<std::string> project, task;
};

struct reserve_hooks {
  occupancy_check occupied;                                    // empty: never occupied
  std::function<inferred_metadata(const std::string&)> infer;  // empty: nothing inferred
  path_inspector inspect;                                      // empty: inspect_path
  trace_fn trace;                                              // --verbose lines
  // Liveness of lease owners; empty: trop::check_owner (reads /proc).
  owner_checker check_owner;
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
  // The lapsed leases this reserve reclaimed (erased) or had to keep (port in use).
  reclaim_outcome reclaimed;
};

// The reclamation pass that reserve and reserve_group run first:
// reclaim_lapsed_leases with hooks.occupied and hooks.check_owner, sparing
// the keys `spare` accepts (the caller's own), with a --verbose trace line per
// lapsed lease. Errors: as reclaim_lapsed_leases.
result<reclaim_outcome> reclaim_for_reserve(write_transaction& txn, std::int64_t now,
                                            const reserve_hooks& hooks,
                                            std::function<bool(const reservation_key&)> spare);

// Reclaims lapsed leases (other keys; hooks.occupied decides which ports are
// free, empty = all), then decides and applies (put/erase on `txn`); does
// not commit. Errors:
//   sticky_violation  a set_explicit/clear intent differs from the stored value
//   exhausted         no port; message as SPEC B §9.3
//   corruption        from reads
status reserve(write_transaction& txn, const reserve_request& req, const reserve_hooks& hooks,
               reserve_outcome* out);

}  // namespace trop
