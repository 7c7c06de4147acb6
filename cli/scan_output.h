// The rows of `trop scan` and their four formats (SPEC B §13.3 with A.2
// #19, #26), as pure functions so that every state, including a probe that
// failed and owners that could not be found, is unit-tested without sockets.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trop/occupancy.h"

namespace trop::cli {

// One probe that was not free on one port.
struct scan_row {
  std::uint16_t port = 0;
  bool reserved = false;  // some reservation holds the port
  probe_result probe;     // state occupied or unknown (a failed probe, A.2 #19)
  socket_owner owner;
};

enum class scan_format { table, json, csv, tsv };
std::optional<scan_format> parse_scan_format(std::string_view name);

// "occupied", "occupied (reserved)", "unknown" or "unknown (reserved)".
std::string scan_status(const scan_row& row);

// The whole output for `rows` (in the given order):
//   table: the fixed-width header of §13.3, 145 '-', one line per row
//          (protocol TCP/UDP, family IPv4/IPv6, reserved yes/no, missing
//          owner fields `unavailable`, control characters escaped);
//   json:  a pretty array of objects with the keys port, status, reserved,
//          protocol, address_family, scope, address, process_id,
//          process_name, user, owner_status (missing owner fields null);
//   csv/tsv: the header line, then one record per row (booleans true/false,
//          missing owner fields `unavailable`; CSV quoted per RFC 4180,
//          TSV escaped like the list TSV).
// Every line ends with '\n'; an empty json list is "[]\n".
std::string render_scan(const std::vector<scan_row>& rows, scan_format format);

}  // namespace trop::cli
