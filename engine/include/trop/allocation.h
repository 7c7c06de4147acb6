// Port allocation for one reservation (SPEC B §9.1, §9.2 step 5, A.2 #1, #2):
// the preferred port when it is usable, else the lowest available port of
// the range. Pure logic over a snapshot and an occupancy check, so it runs the
// same inside a write transaction and on a dry-run.
// Thread safety: a pure function of its arguments; `occupied` is called serially.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "trop/port_range.h"
#include "trop/status.h"
#include "trop/store.h"

namespace trop {

// What an occupancy check says of one port.
enum class occupancy_verdict { free, occupied, possibly_occupied };
using occupancy_check = std::function<occupancy_verdict(std::uint16_t)>;

// Receives --verbose explanations; may be empty.
using trace_fn = std::function<void(std::string_view)>;

// Why a port cannot be used, in the order the checks run (SPEC B §9.1).
enum class port_block { reserved, excluded, occupied };
std::string_view to_string(port_block b);

struct allocation_request {
  port_range range;
  const exclusion_set* excluded = nullptr;  // nullptr = none; not owned
  // A port to try first; any port 1..65535 (A.2 #1).
  std::optional<std::uint16_t> preferred;
  // The port the key holds today when it is being re-allocated: free for it.
  std::optional<std::uint16_t> own_port;
  // Apply to the preferred port only (SPEC B §9.1: never to the scan).
  bool ignore_exclusions = false;
  bool ignore_occupied = false;
};

struct allocation_outcome {
  std::optional<std::uint16_t> port;            // nullopt: the range is exhausted
  std::optional<port_block> preferred_blocked;  // why the preferred port was passed over
  // When exhausted: the kinds of block met in the range, in "reserved,
  // excluded, occupied" order joined by ", "; "unavailable" when none.
  std::string blockers;
};

// Errors: the snapshot's read errors (corruption).
result<allocation_outcome> allocate(const snapshot& snap, const allocation_request& req,
                                    const occupancy_check& occupied, const trace_fn& trace);

}  // namespace trop
