// Escaping of values for line-oriented text output (table, TSV, CSV).
// Thread safety: pure functions; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

namespace trop {

// Escapes a value for one cell of a tab-separated line (the `list` table and
// TSV, SPEC A.2 #26), the "linear TSV" convention of PostgreSQL COPY and
// MySQL: `\` -> `\\`, tab -> `\t`, newline -> `\n`, carriage return -> `\r`,
// every other byte below 0x20 and 0x7F -> `\xNN` (uppercase hex). Backslash is
// escaped too so that the output is unambiguous and reversible: a path holding
// the two characters `\t` prints as `\\t`, a path holding a tab as `\t`.
// All other bytes, including non-ASCII and invalid UTF-8, pass through raw.
std::string escape_tsv_field(std::string_view s);

// A CSV field per RFC 4180 with minimal quoting: wrapped in `"` (inner `"`
// doubled) only if it contains `delimiter`, `"`, CR or LF; otherwise as is.
std::string quote_csv_field(std::string_view s, char delimiter = ',');

}  // namespace trop
