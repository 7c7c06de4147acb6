// One configuration file, yaml-cpp 0.7 → config_layer. yaml-cpp resolves
// little by itself (every scalar is text, duplicate keys are kept, tags are
// '?' for plain and '!' for quoted scalars), so the schema of SPEC B §4.4 is
// enforced here by walking the node tree.
#include "trop/formats/config_yaml.h"

#include "yaml_documents.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace trop {
namespace {

constexpr std::string_view kCoreStrTag = "tag:yaml.org,2002:str";

source_position position_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) {
    return {};
  }
  return {m.line + 1, m.column + 1};
}

// The text of a key or scalar when it can be shown in a message without risk
// (short, only characters of identifiers and numbers); nullopt otherwise.
std::optional<std::string> safe_echo(std::string_view s) {
  if (s.empty() || s.size() > 64) {
    return std::nullopt;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) {
      return std::nullopt;
    }
  }
  return std::string(s);
}

std::string backquoted(std::string_view s) {
  if (std::optional<std::string> e = safe_echo(s)) {
    return "`" + *e + "`";
  }
  return "(not shown)";
}

enum class scalar_style { null_value, plain, quoted, tagged, mapping, sequence };

scalar_style style_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return scalar_style::null_value;
    case YAML::NodeType::Sequence:
      return scalar_style::sequence;
    case YAML::NodeType::Map:
      return scalar_style::mapping;
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& tag = n.Tag();
  if (tag == "?") {
    return scalar_style::plain;
  }
  if (tag == "!" || tag == kCoreStrTag) {
    return scalar_style::quoted;  // any non-plain scalar, or an explicit !!str
  }
  return scalar_style::tagged;
}

bool is_yaml12_bool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

bool looks_numeric(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  char c = s.front();
  return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// How a value that has the wrong type is described (never its text).
std::string describe(const YAML::Node& n) {
  switch (style_of(n)) {
    case scalar_style::null_value:
      return "null";
    case scalar_style::sequence:
      return "a sequence";
    case scalar_style::mapping:
      return "a mapping";
    case scalar_style::quoted:
      return "a quoted string";
    case scalar_style::tagged:
      return "a tagged value";
    case scalar_style::plain:
      break;
  }
  const std::string& s = n.Scalar();
  if (is_yaml12_bool(s)) {
    return "a boolean";
  }
  if (looks_numeric(s)) {
    return "a number";
  }
  return "a string";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Decimal digits → value, nullopt when above `max`.
std::optional<std::uint64_t> decimal(std::string_view s, std::uint64_t max) {
  std::uint64_t v = 0;
  for (char c : s) {
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  return v;
}

// A port in the string forms of an exclusion ("N", "A..B"): ASCII digits only,
// leading zeros read as decimal.
std::optional<std::uint16_t> string_port(std::string_view s) {
  if (!all_digits(s)) {
    return std::nullopt;
  }
  std::optional<std::uint64_t> v = decimal(s, 65535);
  if (!v) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*v);
}

// A mapping entry whose key passed the checks.
struct entry {
  std::string key;
  source_position key_position;
  YAML::Node value;
};

class walker {
 public:
  walker(std::string_view path, config_layer& layer, std::vector<config_error>& errors)
      : path_(path), layer_(layer), errors_(errors) {}

  void document(const YAML::Node& root) {
    scalar_style s = style_of(root);
    if (s == scalar_style::null_value) {
      return;  // empty or comment-only file: an empty configuration
    }
    if (s != scalar_style::mapping) {
      error(position_of(root), "", "invalid type: " + describe(root) + ", expected a mapping");
      return;
    }
    for (const entry& e :
         entries(root, "",
                 {"project", "ports", "excluded_ports", "cleanup", "occupancy_check",
                  "reservations", "disable_autoinit", "disable_autoprune", "disable_autoexpire",
                  "allow_unrelated_path", "allow_change_project", "allow_change_task",
                  "allow_change", "maximum_lock_wait_seconds", "output_format", "durability"})) {
      top_level(e);
    }
  }

  void error(source_position at, std::string field, std::string message) {
    config_error e;
    e.kind = config_error_kind::syntax;
    e.source = path_;
    e.field = std::move(field);
    e.line = at.line;
    e.column = at.column;
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }

 private:
  static std::string join(std::string_view context, std::string_view key) {
    return context.empty() ? std::string(key) : std::string(context) + "." + std::string(key);
  }

  // The entries of a mapping whose keys are strings, allowed and unique. The
  // rest are reported. `allowed` empty means "any key" (service tags).
  std::vector<entry> entries(const YAML::Node& map, std::string_view context,
                             std::initializer_list<std::string_view> allowed) {
    std::vector<entry> out;
    std::set<std::string, std::less<>> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator's operator-> returns a proxy whose pair dies at
      // the end of the full expression, so a reference would dangle.
      const auto kv = *it;
      const YAML::Node key = kv.first;
      source_position at = position_of(key);
      scalar_style ks = style_of(key);
      if (ks != scalar_style::plain && ks != scalar_style::quoted) {
        error(at, std::string(context),
              "invalid key: " + describe(key) + ", expected a string key");
        continue;
      }
      const std::string& name = key.Scalar();
      if (allowed.size() != 0 &&
          std::find(allowed.begin(), allowed.end(), std::string_view(name)) == allowed.end()) {
        std::string expected;
        for (std::string_view a : allowed) {
          expected += expected.empty() ? "`" : ", `";
          expected.append(a).append("`");
        }
        error(at, std::string(context),
              "unknown field " + backquoted(name) + ", expected one of " + expected);
        continue;
      }
      if (!seen.insert(name).second) {
        error(at, std::string(context),
              allowed.size() == 0 ? std::string("duplicate service tag")
                                  : "duplicate field " + backquoted(name));
        continue;
      }
      out.push_back(entry{name, at, kv.second});
    }
    return out;
  }

  // The position of a value for messages: its own mark, or its key's when
  // the value is null (yaml-cpp marks an empty value at the next token).
  static source_position value_position(const entry& e) {
    return style_of(e.value) == scalar_style::null_value ? e.key_position : position_of(e.value);
  }

  bool is_absent(const entry& e) { return style_of(e.value) == scalar_style::null_value; }

  bool expect_mapping(const entry& e, const std::string& field) {
    if (style_of(e.value) != scalar_style::mapping) {
      error(value_position(e), field,
            "invalid type: " + describe(e.value) + ", expected a mapping");
      return false;
    }
    return true;
  }

  // Reads an unsigned integer no larger than `max`. `prefix` goes before
  // the message (service number).
  template <class T>
  std::optional<T> integer(const YAML::Node& node, source_position at, const std::string& field,
                           const std::string& prefix = "") {
    const std::uint64_t max = std::numeric_limits<T>::max();
    const std::string expected = max == std::numeric_limits<std::uint64_t>::max()
                                     ? std::string("expected an unsigned integer")
                                     : "expected an integer from 0 to " + std::to_string(max);
    if (style_of(node) != scalar_style::plain) {
      error(at, field, prefix + "invalid type: " + describe(node) + ", " + expected);
      return std::nullopt;
    }
    const std::string& s = node.Scalar();
    if (all_digits(s)) {
      if (s.size() > 1 && s.front() == '0') {
        // YAML 1.1 would read it as octal, YAML 1.2 as decimal; refuse the
        // ambiguity rather than guess.
        error(at, field,
              prefix + "invalid value: " + backquoted(s) +
                  " has a leading zero (write plain decimal integers), " + expected);
        return std::nullopt;
      }
      std::optional<std::uint64_t> v = decimal(s, max);
      if (!v) {
        error(at, field,
              prefix + "invalid value: integer " +
                  (s.size() <= 20 ? "`" + s + "`" : std::string("(too large)")) + ", " + expected);
        return std::nullopt;
      }
      return static_cast<T>(*v);
    }
    if (looks_numeric(s)) {
      error(at, field,
            prefix + "invalid value: " + backquoted(s) +
                " is not a plain decimal integer (no sign, base prefix, fraction or exponent), " +
                expected);
      return std::nullopt;
    }
    error(at, field, prefix + "invalid type: " + describe(node) + ", " + expected);
    return std::nullopt;
  }

  std::optional<bool> boolean(const entry& e, const std::string& field) {
    if (style_of(e.value) == scalar_style::plain && is_yaml12_bool(e.value.Scalar())) {
      const std::string& s = e.value.Scalar();
      return s[0] == 't' || s[0] == 'T';
    }
    error(value_position(e), field,
          "invalid type: " + describe(e.value) + ", expected a boolean (true or false)");
    return std::nullopt;
  }

  std::optional<std::string> string(const YAML::Node& node, source_position at,
                                    const std::string& field, const std::string& prefix = "") {
    scalar_style s = style_of(node);
    if (s == scalar_style::plain || s == scalar_style::quoted) {
      return node.Scalar();
    }
    error(at, field, prefix + "invalid type: " + describe(node) + ", expected a string");
    return std::nullopt;
  }

  void record(const std::string& field, source_position at) { layer_.positions[field] = at; }

  void set_bool(const entry& e, std::optional<bool>& into, const std::string& field) {
    if (is_absent(e)) {
      return;
    }
    record(field, e.key_position);
    into = boolean(e, field);
  }

  template <class T>
  void set_integer(const entry& e, std::optional<T>& into, const std::string& field) {
    if (is_absent(e)) {
      return;
    }
    record(field, e.key_position);
    into = integer<T>(e.value, value_position(e), field);
  }

  void top_level(const entry& e) {
    const std::string& k = e.key;
    if (k == "reservations") {
      reservations(e);
      return;
    }
    if (is_absent(e)) {
      return;  // empty / ~ / null: absent
    }
    if (k == "project") {
      record(k, e.key_position);
      layer_.project = string(e.value, value_position(e), k);
    } else if (k == "ports") {
      ports(e);
    } else if (k == "excluded_ports") {
      excluded_ports(e);
    } else if (k == "cleanup") {
      if (expect_mapping(e, k)) {
        for (const entry& c : entries(e.value, k, {"expire_after_days"})) {
          set_integer(c, layer_.expire_after_days, "cleanup.expire_after_days");
        }
      }
    } else if (k == "occupancy_check") {
      occupancy(e);
    } else if (k == "disable_autoinit") {
      set_bool(e, layer_.disable_autoinit, k);
    } else if (k == "disable_autoprune") {
      set_bool(e, layer_.disable_autoprune, k);
    } else if (k == "disable_autoexpire") {
      set_bool(e, layer_.disable_autoexpire, k);
    } else if (k == "allow_unrelated_path") {
      set_bool(e, layer_.allow_unrelated_path, k);
    } else if (k == "allow_change_project") {
      set_bool(e, layer_.allow_change_project, k);
    } else if (k == "allow_change_task") {
      set_bool(e, layer_.allow_change_task, k);
    } else if (k == "allow_change") {
      set_bool(e, layer_.allow_change, k);
    } else if (k == "maximum_lock_wait_seconds") {
      set_integer(e, layer_.maximum_lock_wait_seconds, k);
    } else if (k == "output_format") {
      record(k, e.key_position);
      if (std::optional<std::string> s = string(e.value, value_position(e), k)) {
        layer_.output = parse_output_format(*s, false);
        if (!layer_.output) {
          error(value_position(e), k,
                "unknown variant " + backquoted(*s) +
                    ", expected one of `table`, `json`, `csv`, `tsv`");
        }
      }
    } else if (k == "durability") {
      record(k, e.key_position);
      if (std::optional<std::string> s = string(e.value, value_position(e), k)) {
        layer_.durability_mode = parse_durability(*s, false);
        if (!layer_.durability_mode) {
          error(value_position(e), k,
                "unknown variant " + backquoted(*s) + ", expected one of `full`, `normal`");
        }
      }
    }
  }

  void ports(const entry& e) {
    if (!expect_mapping(e, "ports")) {
      return;
    }
    record("ports", e.key_position);
    bool min_written = false;
    for (const entry& p : entries(e.value, "ports", {"min", "max", "max_offset"})) {
      if (p.key == "min") {
        min_written = !is_absent(p);
        set_integer(p, layer_.port_min, "ports.min");
      } else if (p.key == "max") {
        set_integer(p, layer_.port_max, "ports.max");
      } else {
        set_integer(p, layer_.port_max_offset, "ports.max_offset");
      }
    }
    if (!min_written) {
      error(e.key_position, "ports", "missing field `min` (required whenever `ports` is present)");
    }
  }

  void occupancy(const entry& e) {
    if (!expect_mapping(e, "occupancy_check")) {
      return;
    }
    occupancy_layer& o = layer_.occupancy;
    for (const entry& c : entries(
             e.value, "occupancy_check",
             {"skip", "skip_ip4", "skip_ip6", "skip_tcp", "skip_udp", "check_all_interfaces"})) {
      const std::string field = "occupancy_check." + c.key;
      std::optional<bool>* into = c.key == "skip"       ? &o.skip
                                  : c.key == "skip_ip4" ? &o.skip_ip4
                                  : c.key == "skip_ip6" ? &o.skip_ip6
                                  : c.key == "skip_tcp" ? &o.skip_tcp
                                  : c.key == "skip_udp" ? &o.skip_udp
                                                        : &o.check_all_interfaces;
      set_bool(c, *into, field);
    }
  }

  void excluded_ports(const entry& e) {
    if (style_of(e.value) != scalar_style::sequence) {
      error(value_position(e), "excluded_ports",
            "invalid type: " + describe(e.value) + ", expected a sequence");
      return;
    }
    record("excluded_ports", e.key_position);
    std::size_t index = 0;
    for (auto it = e.value.begin(); it != e.value.end(); ++it, ++index) {
      const YAML::Node item = *it;
      const std::string field = "excluded_ports[" + std::to_string(index) + "]";
      source_position at = position_of(item);
      if (!at.known()) {
        at = e.key_position;
      }
      std::optional<exclusion_entry> x = exclusion(item, at, field);
      if (x) {
        x->position = at;
        layer_.excluded_ports.push_back(*x);
      }
    }
  }

  // One entry (SPEC B §4.5): integer N, {start: A, end: B}, or a string "N" /
  // "A..B" (each side trimmed). A plain scalar that looks like a number is
  // read as an integer with the integer rules; other plain scalars and quoted
  // scalars use the string forms.
  std::optional<exclusion_entry> exclusion(const YAML::Node& item, source_position at,
                                           const std::string& field) {
    static const std::string kExpected =
        "expected a port, a range string \"A..B\" or a mapping {start: A, end: B} with ports "
        "0..65535";
    switch (style_of(item)) {
      case scalar_style::mapping: {
        std::optional<std::uint16_t> start;
        std::optional<std::uint16_t> end;
        bool bad = false;
        for (const entry& r : entries(item, field, {"start", "end"})) {
          if (is_absent(r)) {
            continue;
          }
          std::optional<std::uint16_t> v =
              integer<std::uint16_t>(r.value, value_position(r), field + "." + r.key);
          bad = bad || !v;
          (r.key == "start" ? start : end) = v;
        }
        if (bad) {
          return std::nullopt;
        }
        if (!start || !end) {
          error(at, field,
                std::string("missing field `") + (start ? "end" : "start") + "` in a range");
          return std::nullopt;
        }
        return exclusion_entry::range(*start, *end);
      }
      case scalar_style::plain:
        if (all_digits(item.Scalar()) ||
            (looks_numeric(item.Scalar()) && item.Scalar().find("..") == std::string::npos)) {
          std::optional<std::uint16_t> p = integer<std::uint16_t>(item, at, field);
          if (!p) {
            return std::nullopt;
          }
          return exclusion_entry::single(*p);
        }
        [[fallthrough]];
      case scalar_style::quoted: {
        std::string_view s = item.Scalar();
        std::size_t dots = s.find("..");
        if (dots == std::string_view::npos) {
          if (std::optional<std::uint16_t> p = string_port(trim_whitespace(s))) {
            return exclusion_entry::single(*p);
          }
        } else {
          std::optional<std::uint16_t> a = string_port(trim_whitespace(s.substr(0, dots)));
          std::optional<std::uint16_t> b = string_port(trim_whitespace(s.substr(dots + 2)));
          if (a && b) {
            return exclusion_entry::range(*a, *b);
          }
        }
        error(at, field, "invalid value: a string that is not \"N\" or \"A..B\", " + kExpected);
        return std::nullopt;
      }
      case scalar_style::null_value:
      case scalar_style::sequence:
      case scalar_style::tagged:
        break;
    }
    error(at, field, "invalid type: " + describe(item) + ", " + kExpected);
    return std::nullopt;
  }

  void reservations(const entry& e) {
    record("reservations", e.key_position);
    if (is_absent(e)) {
      layer_.reservations_state = group_state::cleared;
      return;
    }
    if (!expect_mapping(e, "reservations")) {
      return;
    }
    reservation_group g;
    g.position = e.key_position;
    bool services_written = false;
    bool ok = true;
    const std::size_t errors_before = errors_.size();
    for (const entry& r : entries(e.value, "reservations", {"base", "services"})) {
      if (r.key == "base") {
        if (!is_absent(r)) {
          g.base = integer<std::uint16_t>(r.value, value_position(r), "reservations.base");
        }
        continue;
      }
      services_written = true;
      if (!expect_mapping(r, "reservations.services")) {
        ok = false;
        continue;
      }
      services(r.value, g);
    }
    if (!services_written) {
      error(e.key_position, "reservations", "missing field `services`");
      ok = false;
    }
    if (ok && errors_.size() == errors_before) {
      layer_.reservations = std::move(g);
      layer_.reservations_state = group_state::defined;
    }
  }

  void services(const YAML::Node& map, reservation_group& g) {
    for (const entry& s : entries(map, "reservations.services", {})) {
      service_def def;
      def.tag = s.key;  // numbers and booleans as keys are just text
      def.position = s.key_position;
      const std::string me = "service #" + std::to_string(g.services.size() + 1) + ": ";
      if (is_absent(s)) {
        g.services.push_back(std::move(def));  // `web:` alone: every field defaulted
        continue;
      }
      if (style_of(s.value) != scalar_style::mapping) {
        error(value_position(s), "reservations.services",
              me + "invalid type: " + describe(s.value) + ", expected a mapping");
        g.services.push_back(std::move(def));
        continue;
      }
      for (const entry& f :
           entries(s.value, "reservations.services", {"offset", "preferred", "env"})) {
        if (is_absent(f)) {
          continue;
        }
        const std::string field = "reservations.services." + f.key;
        if (f.key == "offset") {
          def.offset = integer<std::uint16_t>(f.value, value_position(f), field, me);
        } else if (f.key == "preferred") {
          def.preferred = integer<std::uint16_t>(f.value, value_position(f), field, me);
        } else {
          def.env = string(f.value, value_position(f), field, me);
        }
      }
      g.services.push_back(std::move(def));
    }
  }

  std::string path_;
  config_layer& layer_;
  std::vector<config_error>& errors_;
};

// The position (line, byte column) of the first byte that breaks UTF-8
// (overlong forms, surrogates and code points above U+10FFFF included), or
// nullopt when the text is valid.
std::optional<source_position> first_invalid_utf8(std::string_view s) {
  int line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b < 0x80) {
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      lo = b == 0xE0 ? 0xA0 : 0x80;
      hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      lo = b == 0xF0 ? 0x90 : 0x80;
      hi = b == 0xF4 ? 0x8F : 0xBF;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    }
    if (!ok) {
      return source_position{line, static_cast<int>(i - line_start) + 1};
    }
    if (b == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace

layer_outcome parse_config_yaml(std::string_view text, std::string_view path, config_origin kind) {
  layer_outcome out;
  out.layer.kind = kind;
  out.layer.origin = std::string(path);
  walker w(path, out.layer, out.errors);

  if (std::optional<source_position> bad = first_invalid_utf8(text)) {
    w.error(*bad, "", "invalid UTF-8");
    return out;
  }
  formats_detail::yaml_documents docs;
  try {
    docs = formats_detail::load_yaml_documents(text);
  } catch (const YAML::Exception& e) {
    source_position at;
    if (!e.mark.is_null()) {
      at = {e.mark.line + 1, e.mark.column + 1};
    }
    w.error(at, "", e.msg);
    return out;
  } catch (const std::exception& e) {
    w.error({}, "", e.what());
    return out;
  }
  if (docs.stuck_at) {
    w.error({docs.stuck_at->line + 1, docs.stuck_at->column + 1}, "",
            "the text cannot be parsed here");
    return out;
  }
  if (docs.second) {
    w.error({docs.second->line + 1, docs.second->column + 1}, "",
            "more than one YAML document in a configuration file is not supported");
    return out;
  }
  if (docs.count == 0) {
    return out;
  }
  try {
    w.document(docs.first);
  } catch (const YAML::Exception& e) {
    // Node access does not throw on a well-formed tree; this is a guard
    // against a yaml-cpp surprise, reported rather than propagated.
    w.error({}, "", e.msg);
  }
  return out;
}

layer_outcome load_config_text(std::string_view text, std::string_view path, config_origin kind) {
  layer_outcome out = parse_config_yaml(text, path, kind);
  std::vector<config_error> values = validate_layer(out.layer);
  out.errors.insert(out.errors.end(), values.begin(), values.end());
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const config_error& a, const config_error& b) {
                     auto key = [](const config_error& e) {
                       // Unknown positions (a syntax error without a mark) first.
                       return std::pair{e.line, e.column};
                     };
                     return key(a) < key(b);
                   });
  return out;
}

}  // namespace trop
