// The occupancy seam of the CLI (SPEC B §8, A.2 #19): the check that
// allocation asks "is some process using this port right now?", backed by
// trop::system_occupancy_probe with the effective occupancy policy.
// Thread safety: the returned check is used by one thread at a time.
#pragma once

#include "settings.h"
#include "trop/allocation.h"

namespace trop::cli {

// The occupancy flags of reserve, reserve-group, autoreserve, port-info and
// scan (SPEC B §8.1): each turns on one leaf of the effective policy.
struct occupancy_flags {
  bool skip_occupancy_check = false;
  bool skip_tcp = false;
  bool skip_udp = false;
  bool skip_ipv4 = false;
  bool skip_ipv6 = false;
  bool check_all_interfaces = false;
};

// Declares the flags; scan has no --skip-occupancy-check (with_skip_all false).
void setup_occupancy_flags(option_sink& sink, occupancy_flags& flags, bool with_skip_all = true);
// Sets the leaves the flags turned on in a command-line layer.
void apply_occupancy_flags(const occupancy_flags& flags, config_layer* layer);

// The occupancy check for allocation under `settings`; `trace` (may be empty)
// receives the probe notes (a missing address family) for --verbose.
occupancy_check make_occupancy_check(const effective_settings& settings, const trace_fn& trace);

}  // namespace trop::cli
