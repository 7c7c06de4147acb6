#include "trop/formats/reservation_json.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "json_objects.h"
#include "trop/formats/json_pretty.h"
#include "trop/formats/text_escape.h"
#include "trop/formats/timestamp.h"

namespace trop {

namespace {

using json_error_code = boost::json::error_code;
using boost::json::string_view;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

boost::json::parse_options parse_opts() {
  boost::json::parse_options opts;
  // export writes paths byte for byte; they need not be valid UTF-8.
  opts.allow_invalid_utf8 = true;
  return opts;
}

// A SAX handler that builds nothing: it only finds keys repeated within one
// object, which boost::json::parse would silently collapse (the last wins).
class duplicate_key_finder {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  // The repeated key, once one is found.
  const std::optional<std::string>& duplicate() const { return duplicate_; }

  bool on_document_begin(json_error_code&) { return true; }
  bool on_document_end(json_error_code&) { return true; }
  bool on_array_begin(json_error_code&) { return true; }
  bool on_array_end(std::size_t, json_error_code&) { return true; }
  bool on_object_begin(json_error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json_error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_string_part(string_view, std::size_t, json_error_code&) { return true; }
  bool on_string(string_view, std::size_t, json_error_code&) { return true; }
  bool on_key_part(string_view s, std::size_t, json_error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, json_error_code& ec) {
    key_.append(s.data(), s.size());
    if (!keys_.back().insert(key_).second) {
      duplicate_ = std::move(key_);
      key_.clear();
      // Any failure code stops the parser; duplicate() says what it was.
      ec = boost::json::error::syntax;
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_number_part(string_view, json_error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, json_error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, json_error_code&) { return true; }
  bool on_double(double, string_view, json_error_code&) { return true; }
  bool on_bool(bool, json_error_code&) { return true; }
  bool on_null(json_error_code&) { return true; }
  bool on_comment_part(string_view, json_error_code&) { return true; }
  bool on_comment(string_view, json_error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> keys_;  // one set per open object
  std::string key_;                          // the key being read
  std::optional<std::string> duplicate_;
};

// "line L, column C" (both from 1, column in bytes) of byte `offset` of `text`.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Checks syntax and repeated keys; an ok status when the text is well-formed.
status check_syntax(std::string_view text, std::size_t bom_size) {
  boost::json::basic_parser<duplicate_key_finder> p(parse_opts());
  json_error_code ec;
  const std::size_t body_size = text.size() - bom_size;
  const std::size_t n = p.write_some(false, text.data() + bom_size, body_size, ec);
  if (!ec && n != body_size) {
    ec = boost::json::error::extra_data;  // defensive: more=false consumes everything
  }
  if (!ec) {
    return status::ok();
  }
  const std::string where = position_of(text, bom_size + n);
  if (const auto& dup = p.handler().duplicate()) {
    std::string key;
    append_json_string(key, *dup);
    return invalid_argument("invalid JSON at " + where + ": key " + key +
                            " appears twice in one object");
  }
  return invalid_argument("invalid JSON at " + where + ": " + ec.message());
}

// Builds "reservation N: field 'F': what".
class element_errors {
 public:
  explicit element_errors(std::size_t index) : prefix_("reservation " + std::to_string(index)) {}

  status element(const std::string& what) const { return invalid_argument(prefix_ + ": " + what); }
  status field(std::string_view name, const std::string& what) const {
    return invalid_argument(prefix_ + ": field '" + escape_tsv_field(name) + "': " + what);
  }

 private:
  std::string prefix_;
};

constexpr std::string_view kKnownFields[] = {"port", "path",       "tag",          "project",
                                             "task", "created_at", "last_used_at", "lease"};

// Integers only: 5000.0 and "5000" are rejected. (The parser stores integers
// above INT64_MAX as uint64, which are out of range anyway.)
std::optional<std::uint16_t> as_port(const boost::json::value& v) {
  if (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v.get_int64());
}

// Reads an optional trimmed non-empty string field (tag, project, task).
status read_optional_text(const boost::json::object& o, std::string_view name, bool forbid_nul,
                          const element_errors& err, std::optional<std::string>& out) {
  const boost::json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) {
    out.reset();
    return status::ok();
  }
  const std::string what = forbid_nul ? "expected null or a non-empty string without leading or "
                                        "trailing whitespace or NUL bytes"
                                      : "expected null or a non-empty string without leading or "
                                        "trailing whitespace";
  if (!v->is_string()) {
    return err.field(name, what);
  }
  std::string s(v->get_string().data(), v->get_string().size());
  if (!is_trimmed_non_empty(s) || (forbid_nul && s.find('\0') != std::string::npos)) {
    return err.field(name, what);
  }
  out = std::move(s);
  return status::ok();
}

status read_timestamp(const boost::json::object& o, std::string_view name,
                      const element_errors& err, std::int64_t& out) {
  const boost::json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return err.element("missing field '" + std::string(name) + "'");
  }
  std::optional<std::int64_t> t;
  if (v->is_string()) {
    t = parse_timestamp(std::string_view(v->get_string().data(), v->get_string().size()));
  }
  if (!t) {
    return err.field(name,
                     "expected a UTC timestamp such as \"2024-01-15T10:30:45Z\" or "
                     "\"2024-01-15 10:30:45\"");
  }
  if (*t < 0) {
    return err.field(name, "timestamp before 1970-01-01T00:00:00Z");
  }
  out = *t;
  return status::ok();
}

// An unsigned integer that fits `max` (JSON numbers the parser kept as
// int64 or uint64; never a double).
std::optional<std::uint64_t> as_unsigned(const boost::json::value& v, std::uint64_t max) {
  if (v.is_int64() && v.get_int64() >= 0 && static_cast<std::uint64_t>(v.get_int64()) <= max) {
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_uint64() && v.get_uint64() <= max) {
    return v.get_uint64();
  }
  return std::nullopt;
}

// 32 hex digits, either case.
std::optional<std::array<std::uint8_t, 16>> as_boot_id(const boost::json::value& v) {
  if (!v.is_string() || v.get_string().size() != 32) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 32; ++i) {
    const char c = v.get_string()[i];
    int d = -1;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    }
    if (d < 0) {
      return std::nullopt;
    }
    out[i / 2] = static_cast<std::uint8_t>(out[i / 2] << 4 | d);
  }
  return out;
}

// Checks that `o` has no key outside `known`; names the first other one.
status only_known_keys(const boost::json::object& o, std::initializer_list<std::string_view> known,
                       std::string_view where, const element_errors& err) {
  for (const auto& member : o) {
    const std::string_view key(member.key().data(), member.key().size());
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return err.field(where, std::string("unknown field '") + escape_tsv_field(key) + "'");
    }
  }
  return status::ok();
}

// The optional "lease" of an export (docs/leases.md): null or absent for a
// sticky reservation, else {"expires_at": time|null, "owner": {...}|null}
// with at least one of the two.
status read_lease(const boost::json::object& o, const element_errors& err,
                  std::optional<lease>& out) {
  out.reset();
  const boost::json::value* v = o.if_contains("lease");
  if (v == nullptr || v->is_null()) {
    return status::ok();
  }
  if (!v->is_object()) {
    return err.field("lease", "expected null or an object with expires_at and owner");
  }
  const boost::json::object& lo = v->get_object();
  TROP_RETURN_IF_ERROR(only_known_keys(lo, {"expires_at", "owner"}, "lease", err));
  lease l;
  if (const boost::json::value* e = lo.if_contains("expires_at"); e != nullptr && !e->is_null()) {
    std::optional<std::int64_t> t;
    if (e->is_string()) {
      t = parse_timestamp(std::string_view(e->get_string().data(), e->get_string().size()));
    }
    if (!t || *t < 0) {
      return err.field("lease.expires_at",
                       "expected null or a UTC timestamp such as \"2024-01-15T10:30:45Z\"");
    }
    l.expires_at = *t;
  }
  if (const boost::json::value* w = lo.if_contains("owner"); w != nullptr && !w->is_null()) {
    if (!w->is_object()) {
      return err.field("lease.owner",
                       "expected null or an object with pid, start_ticks, pid_namespace and "
                       "boot_id");
    }
    const boost::json::object& wo = w->get_object();
    TROP_RETURN_IF_ERROR(only_known_keys(wo, {"pid", "start_ticks", "pid_namespace", "boot_id"},
                                         "lease.owner", err));
    process_identity id;
    const boost::json::value* pid = wo.if_contains("pid");
    std::optional<std::uint64_t> p =
        pid == nullptr ? std::nullopt : as_unsigned(*pid, static_cast<std::uint64_t>(INT32_MAX));
    if (!p || *p == 0) {
      return err.field("lease.owner.pid", "expected an integer 1..2147483647");
    }
    id.pid = static_cast<std::int32_t>(*p);
    for (auto [name, target] : {std::pair{"start_ticks", &id.start_ticks},
                                std::pair{"pid_namespace", &id.pid_namespace}}) {
      const boost::json::value* n = wo.if_contains(name);
      std::optional<std::uint64_t> u = n == nullptr ? std::nullopt : as_unsigned(*n, UINT64_MAX);
      if (!u) {
        return err.field(std::string("lease.owner.") + name, "expected a non-negative integer");
      }
      *target = *u;
    }
    const boost::json::value* b = wo.if_contains("boot_id");
    std::optional<std::array<std::uint8_t, 16>> boot = b == nullptr ? std::nullopt : as_boot_id(*b);
    if (!boot) {
      return err.field("lease.owner.boot_id", "expected 32 hexadecimal digits");
    }
    id.boot_id = *boot;
    l.owner = id;
  }
  if (!l.expires_at && !l.owner) {
    return err.field("lease", "expected expires_at, owner or both (null for no lease)");
  }
  out = l;
  return status::ok();
}

status read_reservation(const boost::json::value& v, const element_errors& err, reservation& r) {
  if (!v.is_object()) {
    return err.element("expected an object");
  }
  const boost::json::object& o = v.get_object();
  for (const auto& member : o) {
    const std::string_view key(member.key().data(), member.key().size());
    bool known = false;
    for (std::string_view f : kKnownFields) {
      known = known || key == f;
    }
    if (!known) {
      return err.element("unknown field '" + escape_tsv_field(key) + "'");
    }
  }

  const boost::json::value* port = o.if_contains("port");
  if (port == nullptr) {
    return err.element("missing field 'port'");
  }
  const std::optional<std::uint16_t> p = as_port(*port);
  if (!p) {
    return err.field("port", "expected an integer 1..65535");
  }
  r.port = *p;

  const boost::json::value* path = o.if_contains("path");
  if (path == nullptr) {
    return err.element("missing field 'path'");
  }
  if (!path->is_string()) {
    return err.field("path", "expected a string");
  }
  r.key.path.assign(path->get_string().data(), path->get_string().size());
  if (!is_lexically_normal_absolute(r.key.path)) {
    return err.field("path", "expected an absolute, lexically normal path");
  }

  TROP_RETURN_IF_ERROR(read_optional_text(o, "tag", false, err, r.key.tag));
  TROP_RETURN_IF_ERROR(read_optional_text(o, "project", true, err, r.project));
  TROP_RETURN_IF_ERROR(read_optional_text(o, "task", true, err, r.task));
  TROP_RETURN_IF_ERROR(read_timestamp(o, "created_at", err, r.created_at));
  TROP_RETURN_IF_ERROR(read_timestamp(o, "last_used_at", err, r.last_used_at));
  TROP_RETURN_IF_ERROR(read_lease(o, err, r.lease));

  // The engine's own invariants, in case they are stricter than the checks above.
  if (status s = check_reservation(r); !s.is_ok()) {
    return err.element(s.message());
  }
  return status::ok();
}

}  // namespace

std::string render_export(const std::vector<reservation>& rows) {
  boost::json::array a;
  a.reserve(rows.size());
  for (const reservation& r : rows) {
    a.emplace_back(formats_internal::reservation_object(r, format_rfc3339));
  }
  std::string out = to_pretty_json(a);
  out += '\n';
  return out;
}

result<std::vector<reservation>> parse_reservations_json(std::string_view text) try {
  const std::size_t bom_size = text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
  TROP_RETURN_IF_ERROR(check_syntax(text, bom_size));

  json_error_code ec;
  const boost::json::value doc = boost::json::parse(
      string_view(text.data() + bom_size, text.size() - bom_size), ec, {}, parse_opts());
  if (ec) {
    return invalid_argument("invalid JSON: " + ec.message());  // check_syntax passed; defensive
  }
  if (!doc.is_array()) {
    return invalid_argument("expected a JSON array of reservations at the top level");
  }

  const boost::json::array& a = doc.get_array();
  std::vector<reservation> rows;
  rows.reserve(a.size());
  std::map<reservation_key, std::size_t> index_of_key;
  std::map<std::uint16_t, std::size_t> index_of_port;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t index = i + 1;  // people count from 1
    const element_errors err(index);
    reservation r;
    TROP_RETURN_IF_ERROR(read_reservation(a[i], err, r));
    if (auto [it, fresh] = index_of_key.emplace(r.key, index); !fresh) {
      return err.element("same path and tag as reservation " + std::to_string(it->second) + " (" +
                         escape_tsv_field(to_display(r.key)) + ")");
    }
    if (auto [it, fresh] = index_of_port.emplace(r.port, index); !fresh) {
      return err.element("port " + std::to_string(r.port) + " is also used by reservation " +
                         std::to_string(it->second));
    }
    rows.push_back(std::move(r));
  }
  return rows;
} catch (const std::exception& e) {
  // Boost.JSON reports allocation failure (and only that, here) by throwing.
  return invalid_argument(std::string("cannot read reservations: ") + e.what());
}

}  // namespace trop
