// UTC timestamps as trop prints and reads them (SPEC B §7.3, A.1 export/import).
// Thread safety: pure functions (gmtime_r, no locale, no TZ); safe concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trop {

// "YYYY-MM-DD HH:MM:SS" in UTC, as `list` and `port-info` display it.
// Seconds outside what gmtime_r can represent print as the bare decimal number.
std::string format_timestamp(std::int64_t unix_seconds);

// RFC 3339 in UTC with a `Z` suffix ("2024-01-15T10:30:45Z"), as `export`
// writes it. Same fallback as format_timestamp.
std::string format_rfc3339(std::int64_t unix_seconds);

// Parses either form `import` accepts and returns Unix seconds:
//   * RFC 3339: `YYYY-MM-DD` `T` (or `t` or a space) `HH:MM:SS`, an optional
//     fraction `.d+` (dropped: trop keeps whole seconds), then `Z`/`z` or a
//     `+HH:MM` / `-HH:MM` offset;
//   * the original tool's `YYYY-MM-DD HH:MM:SS`, read as UTC.
// A `T` without a zone is rejected (local time of an unknown zone), as are
// out-of-range fields (month 13, February 30, hour 24, leap second 60) and
// anything else, including surrounding whitespace. Returns nullopt on failure.
// Results before 1970 are returned as negative numbers; callers decide.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

}  // namespace trop
