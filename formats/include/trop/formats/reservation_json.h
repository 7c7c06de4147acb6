// The `trop export` / `trop import` file format (SPEC A.1): a JSON array of reservations.
// Thread safety: pure functions; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trop/reservation.h"
#include "trop/status.h"

namespace trop {

// Renders every reservation, in the order given, as the objects of
// `list --format json` (keys port, path, tag, project, task, created_at,
// last_used_at; absent values null; full paths; a leased reservation adds
// "lease" last) except that timestamps are RFC 3339 UTC
// ("2024-01-15T10:30:45Z"). Pretty-printed, ends with one newline.
std::string render_export(const std::vector<reservation>& rows);

// Reads a file written by render_export or by the original tool's
// `list --format json`: a JSON array (possibly empty) of objects with
//   port          integer 1..65535                         required
//   path          string, absolute and lexically normal    required
//   tag           trimmed non-empty string, null or absent
//   project/task  trimmed non-empty string without NUL, null or absent
//   created_at, last_used_at  string, RFC 3339 or "YYYY-MM-DD HH:MM:SS"
//                 (UTC; see parse_timestamp), not before 1970   required
//   lease         null or absent (sticky), or an object        optional
//                 {"expires_at": timestamp|null, "owner": null |
//                  {"pid": 1..2^31-1, "start_ticks": uint64, "pid_namespace":
//                   uint64, "boot_id": 32 hex digits}}, not both null;
//                 unknown keys inside are rejected too
// Keys may come in any order. Rejected with invalid_argument, naming the
// element (counted from 1) and field where there is one:
//   * malformed JSON (with line and column), a leading UTF-8 BOM is skipped;
//   * a key repeated within one object (JSON parsers disagree on which wins);
//   * a top level that is not an array, an element that is not an object;
//   * a missing required field, an unknown field, a value of the wrong type
//     or out of range, e.g. "reservation 3: field 'port': expected an integer
//     1..65535";
//   * two elements with the same key (path, tag) or the same port.
// Strings may hold bytes that are not valid UTF-8 (export writes such paths
// raw), so non-UTF-8 paths survive a round trip. Never throws.
result<std::vector<reservation>> parse_reservations_json(std::string_view text);

}  // namespace trop
