// Internal to trop::formats: the JSON object of one reservation, shared by
// `list --format json` and `export` so their objects cannot drift apart.
// Thread safety: pure function; safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "trop/reservation.h"

namespace trop::formats_internal {

// Keys in the table's column order (SPEC A.2 #8): port, path, tag, project,
// task, created_at, last_used_at; absent values null; timestamps rendered by
// `format_time`. A leased reservation has one more key at the end (absent for
// a sticky one; docs/leases.md):
//   "lease": {"expires_at": <time>|null,
//             "owner": {"pid", "start_ticks", "pid_namespace", "boot_id": 32 hex}|null}
boost::json::object reservation_object(const reservation& r,
                                       std::string (*format_time)(std::int64_t));

}  // namespace trop::formats_internal
