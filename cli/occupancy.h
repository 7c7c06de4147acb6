// The occupancy seam of the CLI (SPEC B §8): the check that allocation asks
// "is some process using this port right now?". This slice ships none (every
// port counts as free); a later change returns a check backed by
// trop::system_occupancy_probe with the effective occupancy policy.
// Thread safety: the returned check is used by one thread at a time.
#pragma once

#include "settings.h"
#include "trop/allocation.h"

namespace trop::cli {

// The occupancy check for allocation under `settings`; empty = never occupied.
inline occupancy_check make_occupancy_check(const effective_settings& /*settings*/) {
  return {};
}

}  // namespace trop::cli
