// The text of `trop port-info` (SPEC B §13.4 with A.2 #19): the reservation
// block and the occupancy block, as pure functions so that every state
// (including a probe that failed) is unit-tested without sockets.
// Thread safety: pure functions; `owner_of` is called on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "trop/lease.h"
#include "trop/occupancy.h"
#include "trop/reservation.h"

namespace trop::cli {

// "Port: ...", "Path: ...", optional Tag/Project/Task, "Created: ...",
// "Last used: ...", "Path exists: yes|no"; or "Port <p> is not reserved".
// Text values are escaped like the list table (control characters as \t,
// \n, \xNN; backslash doubled). Every line ends in '\n'.
std::string render_reservation_info(std::uint16_t port, const std::optional<reservation>& found,
                                    bool path_exists);

// What the lease block needs besides the lease: the owner's state now
// (check_owner; unset without an owner), whether the lease has lapsed
// (trop::lease_lapsed, the rule reclamation uses) and, for a lapsed lease,
// what an occupancy probe says of the port (unset when the policy disables
// every probe).
struct lease_facts {
  std::int64_t now = 0;
  std::optional<owner_state> owner;
  bool lapsed = false;
  std::optional<occupancy_state> port;
};

// The lines a leased reservation adds after "Path exists:" (docs/leases.md):
//   "Lease: active" | "Lease: lapsed, port free (the next write reclaims it)" |
//     "Lease: lapsed, port in use (kept until it is free)" |
//     "Lease: lapsed, port possibly in use (kept until a probe shows it free)" |
//     "Lease: lapsed, port not checked (the next write reclaims it)"
//   "Lease expires: <YYYY-MM-DD HH:MM:SS> (in 9m 12s)" or "(12s ago)", with a time limit
//   "Lease owner: pid <pid> (alive|gone|unknowable)", with an owner
// Durations show their two largest units ("3d 4h", "9m 12s", "0s").
std::string render_lease_info(const lease& l, const lease_facts& facts);

// "45s", "9m 12s", "2h 5m", "3d 4h" (two largest non-zero units, exact below).
std::string format_duration_short(std::int64_t seconds);

// The owner of the socket behind an occupied probe.
using owner_lookup = std::function<socket_owner(const probe_result&)>;

// The block that --include-occupancy appends: an empty line,
// "Occupancy status:", then
//   no probe enabled by the policy: "  Not checked: the effective policy disabled every probe"
//   free:                           "  Port is available"
//   occupied:                       "  Port is currently in use"
//   unknown (a probe failed, A.2 #19): "  Port is possibly in use (an occupancy probe failed)"
// followed, in probe-matrix order, by one entry per probe that was not free:
//   occupied: "  - <TCP|UDP> <IPv4|IPv6> <localhost|wildcard> at <address>" and the
//             four owner lines ("    Process ID: ...", "    Process: ...",
//             "    User: ...", "    Owner metadata: ...", `unavailable` when unknown);
//   unknown:  "  - <TCP|UDP> <IPv4|IPv6> <scope> at <address>: possibly in use
//             (probe failed: <os error>)".
std::string render_occupancy_info(bool any_probe_enabled, const port_occupancy& occupancy,
                                  const owner_lookup& owner_of);

}  // namespace trop::cli
