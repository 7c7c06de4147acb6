// Lazy reclamation of lapsed leases (issue 7): every writer that plans an
// allocation (trop::reserve, trop::reserve_group) first erases the leased
// records whose lease lapsed -- its time passed, or its owner process is
// gone -- but only those whose port an occupancy check shows free: an
// orphaned child of a dead owner may still listen on the port, and handing
// that port to someone else would collide.
// Thread safety: a function of its arguments; the checks are called serially.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "trop/allocation.h"
#include "trop/lease.h"
#include "trop/reservation.h"
#include "trop/status.h"
#include "trop/store.h"

namespace trop {

// Whether a lease's owner process is alive (trop::check_owner reads /proc;
// tests inject fakes).
using owner_checker = std::function<owner_state(const process_identity&)>;

enum class lapse_reason {
  expired,    // now >= expires_at
  owner_gone  // the owner process exited (or its pid was reused, or the machine rebooted)
};

// Why `l` has lapsed at `now`, or nullopt while it holds. The expiry is
// checked first (no /proc read needed); an owner judged `unknowable` (another
// pid namespace) never lapses by owner. `check` must be callable.
std::optional<lapse_reason> lease_lapsed(const lease& l, std::int64_t now,
                                         const owner_checker& check);

struct reclaim_request {
  std::int64_t now = 0;  // Unix seconds
  // The port probe; empty: every port counts as free (as in reserve_hooks).
  // possibly_occupied keeps the record, like occupied.
  occupancy_check occupied;
  // Empty: trop::check_owner (reads /proc).
  owner_checker owner;
  // Keys the caller is about to re-reserve itself: never reclaimed here (a
  // re-reserve replaces their lease and keeps their port). Empty: none.
  std::function<bool(const reservation_key&)> spare;
};

struct lapsed_lease {
  reservation record;  // as it was stored
  lapse_reason why = lapse_reason::expired;
};

struct reclaim_outcome {
  std::vector<lapsed_lease> reclaimed;  // erased from the transaction
  // Lapsed, but the occupancy check says the port is in use (or cannot
  // tell): kept until a later writer finds the port free.
  std::vector<lapsed_lease> kept_in_use;
};

// Erases, on `txn`, every leased record whose lease lapsed and whose port is
// free; does not commit. Cost: snapshot::for_each_leased (the leased records
// only, never a scan of the store) plus one owner check per owned lease that
// has not expired and one occupancy check per lapsed lease. Errors: the
// store's read errors (corruption), and erase errors (a finished transaction).
result<reclaim_outcome> reclaim_lapsed_leases(write_transaction& txn, const reclaim_request& req);

}  // namespace trop
