// The text of `trop port-info` (SPEC B §13.4 with A.2 #19): the reservation
// block and the occupancy block, as pure functions so that every state
// (including a probe that failed) is unit-tested without sockets.
// Thread safety: pure functions; `owner_of` is called on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "trop/occupancy.h"
#include "trop/reservation.h"

namespace trop::cli {

// "Port: ...", "Path: ...", optional Tag/Project/Task, "Created: ...",
// "Last used: ...", "Path exists: yes|no"; or "Port <p> is not reserved".
// Text values are escaped like the list table (control characters as \t,
// \n, \xNN; backslash doubled). Every line ends in '\n'.
std::string render_reservation_info(std::uint16_t port, const std::optional<reservation>& found,
                                    bool path_exists);

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
