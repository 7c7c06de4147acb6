#include "scan_output.h"

#include "trop/formats/json_pretty.h"
#include "trop/formats/text_escape.h"

namespace trop::cli {
namespace {

constexpr std::string_view kTableHeader =
    "Port   Status               Reserved  Protocol  Family  Scope      Address         "
    "Process ID   Process          User             Owner Status";
constexpr std::size_t kRuleWidth = 145;
constexpr std::string_view kCsvHeader =
    "port,status,reserved,protocol,address_family,scope,address,process_id,process_name,user,"
    "owner_status";
constexpr std::string_view kUnavailable = "unavailable";

// Characters, not bytes, decide the padding (UTF-8 continuation bytes do
// not count), as a Rust `{:<N}` does.
std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

void pad(std::string& out, std::string_view cell, std::size_t width) {
  out.append(cell);
  for (std::size_t w = display_width(cell); w < width; ++w) {
    out += ' ';
  }
  out += ' ';
}

std::string pid_text(const socket_owner& o) {
  return o.pid ? std::to_string(*o.pid) : std::string(kUnavailable);
}

std::string_view or_unavailable(const std::optional<std::string>& v) {
  return v ? std::string_view(*v) : kUnavailable;
}

void table_line(std::string& out, const scan_row& r) {
  pad(out, std::to_string(r.port), 6);
  pad(out, scan_status(r), 20);
  pad(out, r.reserved ? "yes" : "no", 9);
  pad(out, human_name(r.probe.protocol), 9);
  pad(out, human_name(r.probe.family), 7);
  pad(out, to_string(r.probe.scope), 10);
  pad(out, r.probe.address, 15);
  pad(out, pid_text(r.owner), 12);
  pad(out, escape_tsv_field(or_unavailable(r.owner.process_name)), 16);
  pad(out, escape_tsv_field(or_unavailable(r.owner.user)), 16);
  out.append(to_string(r.owner.status()));
  out += '\n';
}

// The fields of one csv/tsv record, in header order.
std::vector<std::string> record(const scan_row& r) {
  return {std::to_string(r.port),
          scan_status(r),
          r.reserved ? "true" : "false",
          std::string(machine_name(r.probe.protocol)),
          std::string(machine_name(r.probe.family)),
          std::string(to_string(r.probe.scope)),
          r.probe.address,
          pid_text(r.owner),
          std::string(or_unavailable(r.owner.process_name)),
          std::string(or_unavailable(r.owner.user)),
          std::string(to_string(r.owner.status()))};
}

void json_member(std::string& out, std::string_view key, std::string_view raw_value, bool last) {
  out += "    ";
  append_json_string(out, key);
  out += ": ";
  out.append(raw_value);
  out += last ? "\n" : ",\n";
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string json_optional(const std::optional<std::string>& v) {
  return v ? json_string(*v) : std::string("null");
}

}  // namespace

std::optional<scan_format> parse_scan_format(std::string_view name) {
  if (name == "table") {
    return scan_format::table;
  }
  if (name == "json") {
    return scan_format::json;
  }
  if (name == "csv") {
    return scan_format::csv;
  }
  if (name == "tsv") {
    return scan_format::tsv;
  }
  return std::nullopt;
}

std::string scan_status(const scan_row& row) {
  std::string s(row.probe.state == occupancy_state::unknown ? "unknown" : "occupied");
  if (row.reserved) {
    s += " (reserved)";
  }
  return s;
}

std::string render_scan(const std::vector<scan_row>& rows, scan_format format) {
  std::string out;
  switch (format) {
    case scan_format::table:
      out.append(kTableHeader);
      out += '\n';
      out.append(kRuleWidth, '-');
      out += '\n';
      for (const scan_row& r : rows) {
        table_line(out, r);
      }
      return out;
    case scan_format::json:
      if (rows.empty()) {
        return "[]\n";
      }
      out = "[\n";
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const scan_row& r = rows[i];
        out += "  {\n";
        json_member(out, "port", std::to_string(r.port), false);
        json_member(out, "status", json_string(scan_status(r)), false);
        json_member(out, "reserved", r.reserved ? "true" : "false", false);
        json_member(out, "protocol", json_string(machine_name(r.probe.protocol)), false);
        json_member(out, "address_family", json_string(machine_name(r.probe.family)), false);
        json_member(out, "scope", json_string(to_string(r.probe.scope)), false);
        json_member(out, "address", json_string(r.probe.address), false);
        json_member(out, "process_id", r.owner.pid ? std::to_string(*r.owner.pid) : "null", false);
        json_member(out, "process_name", json_optional(r.owner.process_name), false);
        json_member(out, "user", json_optional(r.owner.user), false);
        json_member(out, "owner_status", json_string(to_string(r.owner.status())), true);
        out += i + 1 < rows.size() ? "  },\n" : "  }\n";
      }
      out += "]\n";
      return out;
    case scan_format::csv:
    case scan_format::tsv: {
      const bool csv = format == scan_format::csv;
      const char sep = csv ? ',' : '\t';
      if (csv) {
        out.append(kCsvHeader);
      } else {
        for (char c : kCsvHeader) {
          out += c == ',' ? '\t' : c;
        }
      }
      out += '\n';
      for (const scan_row& r : rows) {
        bool first = true;
        for (const std::string& f : record(r)) {
          if (!first) {
            out += sep;
          }
          first = false;
          out += csv ? quote_csv_field(f) : escape_tsv_field(f);
        }
        out += '\n';
      }
      return out;
    }
  }
  return out;
}

}  // namespace trop::cli
