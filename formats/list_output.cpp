#include "trop/formats/list_output.h"

#include <array>

#include <boost/json/value.hpp>

#include "json_objects.h"
#include "trop/formats/json_pretty.h"
#include "trop/formats/text_escape.h"
#include "trop/formats/timestamp.h"

namespace trop {

namespace {

constexpr std::string_view kTableHeader =
    "PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT\n";
constexpr std::string_view kCsvHeader = "port,path,tag,project,task,created_at,last_used_at\n";
constexpr std::string_view kTsvHeader =
    "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n";
constexpr std::string_view kTableAbsent = "-";

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (x != b[i]) {
      return false;
    }
  }
  return true;
}

// The seven cells of a row before escaping; nullopt = absent.
using row_cells = std::array<std::optional<std::string>, 7>;

row_cells cells_of(const reservation& r, std::string path) {
  return {std::to_string(r.port),
          std::move(path),
          r.key.tag,
          r.project,
          r.task,
          format_timestamp(r.created_at),
          format_timestamp(r.last_used_at)};
}

std::string render_table(const std::vector<reservation>& rows, const list_render_options& o) {
  std::string out(kTableHeader);
  for (const reservation& r : rows) {
    std::string path = o.show_full_paths ? r.key.path : shorten_home(r.key.path, o.home);
    const row_cells cells = cells_of(r, std::move(path));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) {
        out += '\t';
      }
      out += cells[i] ? escape_tsv_field(*cells[i]) : std::string(kTableAbsent);
    }
    out += '\n';
  }
  return out;
}

// CSV and TSV differ only in header, separator and how a present value is made safe.
template <class Encode>
std::string render_separated(const std::vector<reservation>& rows, std::string_view header,
                             char separator, Encode encode) {
  std::string out(header);
  for (const reservation& r : rows) {
    const row_cells cells = cells_of(r, r.key.path);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) {
        out += separator;
      }
      if (cells[i]) {
        out += encode(*cells[i]);
      }
    }
    out += '\n';
  }
  return out;
}

std::string render_json(const std::vector<reservation>& rows) {
  // One object at a time: a whole array of 60,000 was most of a 110 MiB peak.
  std::string out = to_pretty_json_array(rows.size(), [&](std::size_t i) -> boost::json::value {
    return formats_internal::reservation_object(rows[i], format_timestamp);
  });
  out += '\n';
  return out;
}

}  // namespace

std::optional<list_format> parse_list_format(std::string_view name) {
  if (ascii_iequals(name, "table")) {
    return list_format::table;
  }
  if (ascii_iequals(name, "json")) {
    return list_format::json;
  }
  if (ascii_iequals(name, "csv")) {
    return list_format::csv;
  }
  if (ascii_iequals(name, "tsv")) {
    return list_format::tsv;
  }
  return std::nullopt;
}

std::string shorten_home(std::string_view path, std::string_view home) {
  // "/home/a/" names the same directory as "/home/a"; "/" stays "/".
  while (home.size() > 1 && home.back() == '/') {
    home.remove_suffix(1);
  }
  if (home.empty() || !path.starts_with(home)) {
    return std::string(path);
  }
  std::string_view rest = path.substr(home.size());
  if (home == "/") {
    // Every absolute path lies under "/"; the rest is what follows the root.
    return std::string("~").append(path);
  }
  if (rest.empty()) {
    return "~/";
  }
  if (rest.front() != '/') {
    return std::string(path);  // "/home/ab" is not under "/home/a"
  }
  return std::string("~").append(rest);
}

std::string render_list(const std::vector<reservation>& rows, list_format f,
                        const list_render_options& o) {
  switch (f) {
    case list_format::table:
      return render_table(rows, o);
    case list_format::json:
      return render_json(rows);
    case list_format::csv:
      return render_separated(rows, kCsvHeader, ',',
                              [](std::string_view s) { return quote_csv_field(s); });
    case list_format::tsv:
      return render_separated(rows, kTsvHeader, '\t',
                              [](std::string_view s) { return escape_tsv_field(s); });
  }
  return {};
}

}  // namespace trop
