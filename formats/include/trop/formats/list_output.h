// Rendering of `trop list` in its four formats (SPEC B §13.1 with A.2 #8, #26).
// Thread safety: pure functions; safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trop/reservation.h"

namespace trop {

enum class list_format { table, json, csv, tsv };

// "table", "json", "csv" or "tsv", any letter case; nullopt for anything else.
std::optional<list_format> parse_list_format(std::string_view name);

struct list_render_options {
  // The user's home directory for `~` shortening in the table; empty = none.
  // A trailing '/' is ignored.
  std::string home;
  // Table only: print paths in full instead of shortening them under `home`.
  bool show_full_paths = false;
};

// Renders `rows` in the order given (the caller sorts them, SPEC B §7.2).
// Columns in every format: port, path, tag, project, task, created_at,
// last_used_at. Timestamps are UTC `YYYY-MM-DD HH:MM:SS`. Output ends with
// exactly one newline.
//   * table: header `PORT\tPATH\t...` then one tab-separated line per row;
//     absent values `-`; paths under `home` as `~/rest` (home itself `~/`)
//     unless show_full_paths; every value escaped by escape_tsv_field
//     (`\\`, `\t`, `\n`, `\r`, `\xNN`). No rows: the header line only.
//   * json: pretty array of objects with keys in column order; absent values
//     null; full paths; `[]` when empty. A leased reservation has a last key
//     "lease" (reservation_json.h; docs/leases.md); a sticky one does not.
//   * csv: lowercase header, absent values as empty fields, full paths,
//     RFC 4180 minimal quoting (quote_csv_field), `\n` line ends.
//   * tsv: like csv with tabs, but values escaped like the table instead of
//     quoted (a `"` is an ordinary character).
std::string render_list(const std::vector<reservation>& rows, list_format f,
                        const list_render_options& o);

// The table's display form of `path`: `~/` for `home` itself, `~/rest` for a
// path below it (component-wise: /home/ab is not below /home/a), otherwise
// `path` unchanged. An empty `home` shortens nothing. Not escaped.
std::string shorten_home(std::string_view path, std::string_view home);

}  // namespace trop
