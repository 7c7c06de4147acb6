// Configuration model: merge (SPEC B §4.7), validation (§4.4, §4.6, §6) and
// the environment layer (§4.8).
#include "trop/config.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>

#include "trop/paths.h"

namespace trop {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

// "#3": services are named by their 1-based position in the file, never by tag.
std::string service_ref(std::size_t index) {
  return "#" + std::to_string(index + 1);
}

enum class identifier_problem { none, empty, nul, too_long };

identifier_problem identifier_check(std::string_view s) {
  std::string_view t = trim_whitespace(s);
  if (t.empty()) {
    return identifier_problem::empty;
  }
  if (t.find('\0') != std::string_view::npos) {
    return identifier_problem::nul;
  }
  if (t.size() > kMaxIdentifierBytes) {
    return identifier_problem::too_long;
  }
  return identifier_problem::none;
}

// Collects errors of one rule set with a common kind.
class error_sink {
 public:
  explicit error_sink(std::vector<config_error>& out) : out_(out) {}

  void add(std::string field, std::string source, source_position pos, std::string message) {
    config_error e;
    e.kind = config_error_kind::value;
    e.source = std::move(source);
    e.field = std::move(field);
    e.line = pos.line;
    e.column = pos.column;
    e.message = std::move(message);
    out_.push_back(std::move(e));
  }

 private:
  std::vector<config_error>& out_;
};

// Port bounds shared by a single layer and the merged result. `origin_of` and
// `position_of` name where each field came from.
template <class OriginOf, class PositionOf>
void check_ports(std::optional<std::uint16_t> min, std::optional<std::uint16_t> max,
                 std::optional<std::uint16_t> offset, error_sink& sink, OriginOf origin_of,
                 PositionOf position_of) {
  auto add = [&](std::string_view field, std::string message) {
    sink.add(std::string(field), origin_of(field), position_of(field), std::move(message));
  };
  if (min && *min == 0) {
    add("ports.min", "Must be between 1 and 65535");
  }
  if (max) {
    if (*max == 0) {
      add("ports.max", "Must be between 1 and 65535");
    } else if (min && *min != 0 && *max < *min) {
      add("ports.max", "max (" + std::to_string(*max) + ") must be greater than or equal to min (" +
                           std::to_string(*min) + ")");
    }
  }
  if (offset) {
    if (*offset == 0) {
      add("ports.max_offset", "Must be > 0");
    } else if (min && std::uint32_t{*min} + *offset > 65535) {
      add("ports.max_offset", "min (" + std::to_string(*min) + ") + max_offset (" +
                                  std::to_string(*offset) + ") exceeds 65535");
    }
  }
  if (max && offset) {
    sink.add("ports", origin_of("ports.max_offset"), position_of("ports.max_offset"),
             "max and max_offset are mutually exclusive; set only one of them");
  }
}

void check_exclusion(const exclusion_entry& e, const std::string& origin, error_sink& sink) {
  if (e.form == exclusion_entry::spelling::single) {
    if (e.start == 0) {
      sink.add("excluded_ports", origin, e.position, "Invalid port: 0");
    }
    return;
  }
  if (e.start == 0) {
    sink.add("excluded_ports", origin, e.position, "Invalid start port: 0");
  } else if (e.end < e.start) {
    sink.add("excluded_ports", origin, e.position,
             "Invalid range: " + std::to_string(e.start) + ".." + std::to_string(e.end) +
                 " (end < start)");
  }
}

constexpr std::string_view kForbiddenInUserFile =
    " is only valid in trop.yaml/trop.local.yaml, not user config.yaml";

// Merges one optional leaf and records its provenance.
template <class T, class U>
void take(const std::optional<T>& value, U& into, std::string_view field, const config_layer& layer,
          effective_config& config) {
  if (value) {
    into = *value;
    config.sources[std::string(field)] = field_source{layer.kind, layer.origin_of(field)};
  }
}

// --- environment parsing -------------------------------------------------

// Rust's str::parse for unsigned integers: an optional '+', then at least one
// ASCII digit (leading zeros allowed), no whitespace, no overflow.
std::optional<std::uint64_t> parse_env_unsigned(std::string_view s, std::uint64_t max) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (max - digit) / 10) {
      return std::nullopt;
    }
    v = v * 10 + digit;
  }
  return v;
}

std::optional<bool> parse_env_bool(std::string_view text) {
  std::string v = lowered(text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "0" || v == "no" || v == "off") {
    return false;
  }
  return std::nullopt;
}

class env_reader {
 public:
  env_reader(const env_lookup& getenv, layer_outcome& out) : getenv_(getenv), out_(out) {}

  // The value of `name`, or nullptr when unset or not valid UTF-8 (§4.8).
  const char* get(const char* name) const {
    const char* v = getenv_(name);
    if (v == nullptr || !is_valid_utf8(v)) {
      return nullptr;
    }
    return v;
  }

  void fail(const char* name, std::string message) {
    config_error e;
    e.kind = config_error_kind::value;
    e.field = name;
    e.message = std::move(message);
    out_.errors.push_back(std::move(e));
  }

  void record(std::string_view field, const char* name) {
    out_.layer.field_origin[std::string(field)] = name;
  }

  void boolean(const char* name, std::optional<bool>& into, std::string_view field) {
    const char* v = get(name);
    if (v == nullptr) {
      return;
    }
    std::optional<bool> b = parse_env_bool(v);
    if (!b) {
      fail(name, std::string("Invalid boolean value: '") + v +
                     "' (expected true/false/1/0/yes/no/on/off)");
      return;
    }
    into = *b;
    record(field, name);
  }

  // A canonical variable and its alias: the canonical one wins when set.
  void boolean_alias(const char* canonical, const char* alias, std::optional<bool>& into,
                     std::string_view field) {
    boolean(get(canonical) != nullptr ? canonical : alias, into, field);
  }

  void port(const char* name, std::optional<std::uint16_t>& into, std::string_view field,
            const char* message) {
    const char* v = get(name);
    if (v == nullptr) {
      return;
    }
    std::optional<std::uint64_t> n = parse_env_unsigned(v, 65535);
    if (!n) {
      fail(name, message);
      return;
    }
    into = static_cast<std::uint16_t>(*n);
    record(field, name);
  }

 private:
  const env_lookup& getenv_;
  layer_outcome& out_;
};

// One TROP_EXCLUDED_PORTS item: "N" or "A..B", halves not trimmed (§4.5).
std::optional<exclusion_entry> parse_env_exclusion(std::string_view item) {
  std::size_t dots = item.find("..");
  if (dots == std::string_view::npos) {
    std::optional<std::uint64_t> p = parse_env_unsigned(item, 65535);
    if (!p) {
      return std::nullopt;
    }
    return exclusion_entry::single(static_cast<std::uint16_t>(*p));
  }
  std::optional<std::uint64_t> a = parse_env_unsigned(item.substr(0, dots), 65535);
  std::optional<std::uint64_t> b = parse_env_unsigned(item.substr(dots + 2), 65535);
  if (!a || !b) {
    return std::nullopt;
  }
  return exclusion_entry::range(static_cast<std::uint16_t>(*a), static_cast<std::uint16_t>(*b));
}

}  // namespace

// ---------------------------------------------------------------------------

std::string_view to_string(output_format f) {
  switch (f) {
    case output_format::table:
      return "table";
    case output_format::json:
      return "json";
    case output_format::csv:
      return "csv";
    case output_format::tsv:
      return "tsv";
  }
  return "table";
}

std::string_view to_string(durability d) {
  return d == durability::normal ? "normal" : "full";
}

std::optional<output_format> parse_output_format(std::string_view s, bool case_insensitive) {
  for (output_format f :
       {output_format::table, output_format::json, output_format::csv, output_format::tsv}) {
    if (case_insensitive ? equals_ignoring_case(s, to_string(f)) : s == to_string(f)) {
      return f;
    }
  }
  return std::nullopt;
}

std::optional<durability> parse_durability(std::string_view s, bool case_insensitive) {
  for (durability d : {durability::full, durability::normal}) {
    if (case_insensitive ? equals_ignoring_case(s, to_string(d)) : s == to_string(d)) {
      return d;
    }
  }
  return std::nullopt;
}

const std::string& config_layer::origin_of(std::string_view field) const {
  auto it = field_origin.find(field);
  return it == field_origin.end() ? origin : it->second;
}

source_position config_layer::position_of(std::string_view field) const {
  auto it = positions.find(field);
  return it == positions.end() ? source_position{} : it->second;
}

port_range effective_config::range() const {
  port_range r;
  r.min = port_min;
  if (port_max) {
    r.max = *port_max;
  } else if (port_max_offset) {
    std::uint32_t m = std::uint32_t{port_min} + *port_max_offset;
    r.max = static_cast<std::uint16_t>(std::min<std::uint32_t>(m, 65535));
  } else {
    r.max = kDefaultPortMax;
  }
  return r;
}

field_source effective_config::source_of(std::string_view field) const {
  auto it = sources.find(field);
  return it == sources.end() ? field_source{} : it->second;
}

std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::string> check_identifier(std::string_view s) {
  switch (identifier_check(s)) {
    case identifier_problem::none:
      return std::nullopt;
    case identifier_problem::empty:
      return "Cannot be empty or only whitespace";
    case identifier_problem::nul:
      return "Cannot contain NUL bytes";
    case identifier_problem::too_long:
      return "Cannot exceed 255 characters";
  }
  return std::nullopt;
}

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdentifierBytes) {
    return false;
  }
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

std::optional<std::string> derive_env_name(std::string_view tag) {
  std::string_view t = trim_whitespace(tag);  // A.2 #27: derive from the trimmed tag
  std::string name;
  name.reserve(t.size());
  for (char c : t) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return std::nullopt;
    }
    name.push_back(c == '-' ? '_' : ascii_upper(c));
  }
  if (!is_valid_env_name(name)) {
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> resolved_env_name(const service_def& service) {
  if (service.env) {
    if (!is_valid_env_name(*service.env)) {
      return std::nullopt;
    }
    return *service.env;
  }
  return derive_env_name(service.tag);
}

// ---------------------------------------------------------------------------

std::vector<config_error> validate_group(const reservation_group& group, std::string_view origin) {
  std::vector<config_error> errors;
  error_sink sink(errors);
  const std::string src(origin);

  if (group.base && *group.base == 0) {
    sink.add("reservations.base", src, group.position, "Base port must be between 1 and 65535");
  }

  const std::vector<service_def>& services = group.services;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const service_def& s = services[i];
    const std::string me = service_ref(i);
    switch (identifier_check(s.tag)) {
      case identifier_problem::none:
        break;
      case identifier_problem::empty:
        sink.add("reservations.services.tag", src, s.position,
                 "Service " + me + ": tag cannot be empty or only whitespace");
        break;
      case identifier_problem::nul:
        sink.add("reservations.services.tag", src, s.position,
                 "Service " + me + ": tag cannot contain NUL bytes");
        break;
      case identifier_problem::too_long:
        sink.add("reservations.services.tag", src, s.position,
                 "Service " + me + ": tag cannot exceed 255 characters");
        break;
    }
    if (s.preferred && *s.preferred == 0) {
      sink.add("reservations.services.preferred", src, s.position,
               "Service " + me + ": preferred port must be between 1 and 65535");
    }
    if (s.env && !is_valid_env_name(*s.env)) {
      sink.add(
          "reservations.services.env", src, s.position,
          "Service " + me + ": env must match [A-Za-z_][A-Za-z0-9_]* and be at most 255 bytes");
    } else if (!s.env && !derive_env_name(s.tag)) {
      sink.add("environment_variable", src, s.position,
               "Service " + me +
                   ": the tag does not give a valid environment variable name (the trimmed tag "
                   "must be ASCII and, uppercased with '-' as '_', match [A-Za-z_][A-Za-z0-9_]*); "
                   "set env explicitly");
    }
  }

  // Pairwise uniqueness; groups are small, and a quadratic scan reports the
  // pair in file order.
  for (std::size_t j = 1; j < services.size(); ++j) {
    const service_def& b = services[j];
    for (std::size_t i = 0; i < j; ++i) {
      const service_def& a = services[i];
      const std::string pair = "Services " + service_ref(i) + " and " + service_ref(j);
      if (trim_whitespace(a.tag) == trim_whitespace(b.tag) &&
          identifier_check(a.tag) == identifier_problem::none) {
        sink.add("reservations.services.tag", src, b.position,
                 pair + " have the same tag after trimming");
      }
      if (a.offset.value_or(0) == b.offset.value_or(0)) {
        sink.add("reservations.services.offset", src, b.position,
                 pair + " have the same offset " + std::to_string(b.offset.value_or(0)) +
                     " (a missing offset counts as 0)");
      }
      if (a.preferred && b.preferred && *a.preferred == *b.preferred && *a.preferred != 0) {
        sink.add("reservations.services.preferred", src, b.position,
                 pair + " have the same preferred port " + std::to_string(*b.preferred));
      }
      std::optional<std::string> na = resolved_env_name(a);
      std::optional<std::string> nb = resolved_env_name(b);
      if (na && nb && equals_ignoring_case(*na, *nb)) {
        sink.add("environment_variable", src, b.position,
                 pair +
                     " resolve to the same environment variable name (names are compared "
                     "case-insensitively)");
      }
    }
  }
  return errors;
}

std::vector<config_error> validate_layer(const config_layer& layer) {
  std::vector<config_error> errors;
  error_sink sink(errors);
  auto origin_of = [&](std::string_view f) { return layer.origin_of(f); };
  auto position_of = [&](std::string_view f) { return layer.position_of(f); };
  const bool user = layer.kind == config_origin::user_file;

  if (layer.project) {
    if (user) {
      sink.add("project", layer.origin_of("project"), layer.position_of("project"),
               std::string("project").append(kForbiddenInUserFile));
    } else if (std::optional<std::string> m = check_identifier(*layer.project)) {
      sink.add("project", layer.origin_of("project"), layer.position_of("project"), *m);
    }
  }
  if (layer.task) {
    if (std::optional<std::string> m = check_identifier(*layer.task)) {
      sink.add("task", layer.origin_of("task"), layer.position_of("task"), *m);
    }
  }
  check_ports(layer.port_min, layer.port_max, layer.port_max_offset, sink, origin_of, position_of);
  for (const exclusion_entry& e : layer.excluded_ports) {
    check_exclusion(e, layer.origin_of("excluded_ports"), sink);
  }
  if (layer.expire_after_days && *layer.expire_after_days == 0) {
    sink.add("cleanup.expire_after_days", layer.origin_of("cleanup.expire_after_days"),
             layer.position_of("cleanup.expire_after_days"), "Must be > 0");
  }
  if (layer.maximum_lock_wait_seconds && *layer.maximum_lock_wait_seconds > kMaxLockWaitSeconds) {
    sink.add("maximum_lock_wait_seconds", layer.origin_of("maximum_lock_wait_seconds"),
             layer.position_of("maximum_lock_wait_seconds"),
             "must not exceed " + std::to_string(kMaxLockWaitSeconds) + " seconds");
  }
  if (layer.reservations_state == group_state::defined) {
    if (user) {
      sink.add("reservations", layer.origin_of("reservations"), layer.position_of("reservations"),
               std::string("reservations").append(kForbiddenInUserFile));
    } else {
      std::vector<config_error> g =
          validate_group(layer.reservations, layer.origin_of("reservations"));
      errors.insert(errors.end(), g.begin(), g.end());
    }
  }
  std::stable_sort(errors.begin(), errors.end(), [](const config_error& a, const config_error& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return errors;
}

void apply_layer(effective_config& c, const config_layer& layer) {
  if (layer.clear_project) {
    c.project.reset();
    c.project_cleared = true;
    c.sources["project"] = field_source{layer.kind, layer.origin_of("project")};
  }
  if (layer.project) {
    c.project = *layer.project;
    c.project_cleared = false;
    c.sources["project"] = field_source{layer.kind, layer.origin_of("project")};
  }
  if (layer.clear_task) {
    c.task.reset();
    c.task_cleared = true;
    c.sources["task"] = field_source{layer.kind, layer.origin_of("task")};
  }
  if (layer.task) {
    c.task = *layer.task;
    c.task_cleared = false;
    c.sources["task"] = field_source{layer.kind, layer.origin_of("task")};
  }

  // ports: min overrides; the upper bound is max xor max_offset unless the
  // layer names both (then both, which validation rejects).
  take(layer.port_min, c.port_min, "ports.min", layer, c);
  if (layer.port_max || layer.port_max_offset) {
    c.port_max = layer.port_max;
    c.port_max_offset = layer.port_max_offset;
    c.sources["ports.max"] = field_source{layer.kind, layer.origin_of("ports.max")};
    c.sources["ports.max_offset"] = field_source{layer.kind, layer.origin_of("ports.max_offset")};
  }

  for (const exclusion_entry& e : layer.excluded_ports) {
    c.excluded_ports.push_back(sourced_exclusion{e, layer.origin_of("excluded_ports")});
  }

  take(layer.expire_after_days, c.expire_after_days, "cleanup.expire_after_days", layer, c);
  take(layer.occupancy.skip, c.occupancy.skip, "occupancy_check.skip", layer, c);
  take(layer.occupancy.skip_ip4, c.occupancy.skip_ip4, "occupancy_check.skip_ip4", layer, c);
  take(layer.occupancy.skip_ip6, c.occupancy.skip_ip6, "occupancy_check.skip_ip6", layer, c);
  take(layer.occupancy.skip_tcp, c.occupancy.skip_tcp, "occupancy_check.skip_tcp", layer, c);
  take(layer.occupancy.skip_udp, c.occupancy.skip_udp, "occupancy_check.skip_udp", layer, c);
  take(layer.occupancy.check_all_interfaces, c.occupancy.check_all_interfaces,
       "occupancy_check.check_all_interfaces", layer, c);
  take(layer.disable_autoinit, c.disable_autoinit, "disable_autoinit", layer, c);
  take(layer.disable_autoprune, c.disable_autoprune, "disable_autoprune", layer, c);
  take(layer.disable_autoexpire, c.disable_autoexpire, "disable_autoexpire", layer, c);
  take(layer.allow_unrelated_path, c.allow_unrelated_path, "allow_unrelated_path", layer, c);
  take(layer.allow_change_project, c.allow_change_project, "allow_change_project", layer, c);
  take(layer.allow_change_task, c.allow_change_task, "allow_change_task", layer, c);
  take(layer.allow_change, c.allow_change, "allow_change", layer, c);
  take(layer.maximum_lock_wait_seconds, c.maximum_lock_wait_seconds, "maximum_lock_wait_seconds",
       layer, c);
  take(layer.output, c.output, "output_format", layer, c);
  take(layer.durability_mode, c.durability_mode, "durability", layer, c);

  switch (layer.reservations_state) {
    case group_state::absent:
      break;
    case group_state::cleared:
      // A user-file `reservations: null` is inert (SPEC B §4.7).
      if (layer.kind != config_origin::user_file) {
        c.group.reset();
        c.group_file.clear();
        c.group_origin = layer.kind;
        c.sources["reservations"] = field_source{layer.kind, layer.origin_of("reservations")};
      }
      break;
    case group_state::defined:
      c.group = layer.reservations;
      c.group_file = layer.origin_of("reservations");
      c.group_origin = layer.kind;
      c.sources["reservations"] = field_source{layer.kind, layer.origin_of("reservations")};
      break;
  }
}

effective_config merge_layers(std::span<const config_layer> layers) {
  effective_config c;
  for (const config_layer& layer : layers) {
    apply_layer(c, layer);
  }
  return c;
}

std::vector<config_error> validate_effective(effective_config& c) {
  std::vector<config_error> errors;
  error_sink sink(errors);
  auto origin_of = [&](std::string_view f) { return c.source_of(f).name; };
  auto no_position = [](std::string_view) { return source_position{}; };

  check_ports(c.port_min, c.port_max, c.port_max_offset, sink, origin_of, no_position);

  c.exclusions = exclusion_set();
  for (const sourced_exclusion& s : c.excluded_ports) {
    std::size_t before = errors.size();
    check_exclusion(s.entry, s.origin, sink);
    if (errors.size() == before) {
      c.exclusions.add(s.entry.start, s.entry.end);
    }
  }
  if (c.expire_after_days == 0) {
    sink.add("cleanup.expire_after_days", origin_of("cleanup.expire_after_days"), {},
             "Must be > 0");
  }
  if (c.maximum_lock_wait_seconds > kMaxLockWaitSeconds) {
    sink.add("maximum_lock_wait_seconds", origin_of("maximum_lock_wait_seconds"), {},
             "must not exceed " + std::to_string(kMaxLockWaitSeconds) + " seconds");
  }
  for (auto [value, field] : {std::pair{&c.project, "project"}, std::pair{&c.task, "task"}}) {
    if (!*value) {
      continue;
    }
    if (std::optional<std::string> m = check_identifier(**value)) {
      sink.add(field, origin_of(field), {}, *m);
    } else {
      **value = std::string(trim_whitespace(**value));
    }
  }
  if (c.group) {
    std::vector<config_error> g = validate_group(*c.group, c.group_file);
    errors.insert(errors.end(), g.begin(), g.end());
  }
  return errors;
}

// ---------------------------------------------------------------------------

layer_outcome read_env_layer(const env_lookup& getenv, bool uses_project_task) {
  layer_outcome out;
  out.layer.kind = config_origin::environment;
  out.layer.origin = std::string(kOriginEnvironment);
  config_layer& l = out.layer;
  env_reader env(getenv, out);

  if (uses_project_task) {
    if (const char* v = env.get("TROP_PROJECT")) {
      l.project = v;
      env.record("project", "TROP_PROJECT");
    }
    if (const char* v = env.get("TROP_TASK")) {
      l.task = v;
      env.record("task", "TROP_TASK");
    }
  }

  env.boolean("TROP_DISABLE_AUTOINIT", l.disable_autoinit, "disable_autoinit");
  env.boolean("TROP_DISABLE_AUTOPRUNE", l.disable_autoprune, "disable_autoprune");
  env.boolean("TROP_DISABLE_AUTOEXPIRE", l.disable_autoexpire, "disable_autoexpire");

  env.port("TROP_PORT_MIN", l.port_min, "ports.min", "Invalid port number");
  env.port("TROP_PORT_MAX", l.port_max, "ports.max", "Invalid port number");
  env.port("TROP_PORT_MAX_OFFSET", l.port_max_offset, "ports.max_offset", "Invalid port offset");
  if (l.port_max_offset) {
    // Processed after TROP_PORT_MAX, so it wins when both are set (§4.7).
    l.port_max.reset();
  }

  if (const char* v = env.get("TROP_EXCLUDED_PORTS")) {
    std::string_view rest(v);
    bool any = false;
    while (true) {
      std::size_t comma = rest.find(',');
      std::string_view item = trim_whitespace(rest.substr(0, comma));
      if (!item.empty()) {
        if (std::optional<exclusion_entry> e = parse_env_exclusion(item)) {
          l.excluded_ports.push_back(*e);
          any = true;
        } else {
          env.fail("TROP_EXCLUDED_PORTS", std::string("Invalid port exclusion: '")
                                              .append(item)
                                              .append("' (expected N or A..B)"));
        }
      }
      if (comma == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(comma + 1);
    }
    if (any) {
      env.record("excluded_ports", "TROP_EXCLUDED_PORTS");
    }
  }

  if (const char* v = env.get("TROP_EXPIRE_AFTER_DAYS")) {
    if (std::optional<std::uint64_t> n =
            parse_env_unsigned(v, std::numeric_limits<std::uint32_t>::max())) {
      l.expire_after_days = static_cast<std::uint32_t>(*n);
      env.record("cleanup.expire_after_days", "TROP_EXPIRE_AFTER_DAYS");
    } else {
      env.fail("TROP_EXPIRE_AFTER_DAYS", "Must be a positive integer");
    }
  }

  {
    const char* name = "TROP_BUSY_TIMEOUT";
    const char* v = env.get(name);
    if (v == nullptr) {
      name = "TROP_MAXIMUM_LOCK_WAIT_SECONDS";
      v = env.get(name);
    }
    if (v != nullptr) {
      if (std::optional<std::uint64_t> n =
              parse_env_unsigned(v, std::numeric_limits<std::uint64_t>::max())) {
        l.maximum_lock_wait_seconds = *n;
        env.record("maximum_lock_wait_seconds", name);
      } else {
        env.fail(name, std::string("Invalid number of seconds: '") + v +
                           "' (expected an integer from 0 to " +
                           std::to_string(kMaxLockWaitSeconds) + ")");
      }
    }
  }

  if (const char* v = env.get("TROP_OUTPUT_FORMAT")) {
    if (std::optional<output_format> f = parse_output_format(v, true)) {
      l.output = *f;
      env.record("output_format", "TROP_OUTPUT_FORMAT");
    } else {
      env.fail("TROP_OUTPUT_FORMAT",
               std::string("Invalid output format: '") + v + "' (expected table/json/csv/tsv)");
    }
  }
  if (const char* v = env.get("TROP_DURABILITY")) {
    if (std::optional<durability> d = parse_durability(v, true)) {
      l.durability_mode = *d;
      env.record("durability", "TROP_DURABILITY");
    } else {
      env.fail("TROP_DURABILITY",
               std::string("Invalid durability: '") + v + "' (expected full/normal)");
    }
  }

  env.boolean("TROP_ALLOW_UNRELATED_PATH", l.allow_unrelated_path, "allow_unrelated_path");
  env.boolean_alias("TROP_ALLOW_PROJECT_CHANGE", "TROP_ALLOW_CHANGE_PROJECT",
                    l.allow_change_project, "allow_change_project");
  env.boolean_alias("TROP_ALLOW_TASK_CHANGE", "TROP_ALLOW_CHANGE_TASK", l.allow_change_task,
                    "allow_change_task");
  env.boolean("TROP_ALLOW_CHANGE", l.allow_change, "allow_change");
  env.boolean("TROP_SKIP_OCCUPANCY_CHECK", l.occupancy.skip, "occupancy_check.skip");
  env.boolean("TROP_SKIP_IPV4", l.occupancy.skip_ip4, "occupancy_check.skip_ip4");
  env.boolean("TROP_SKIP_IPV6", l.occupancy.skip_ip6, "occupancy_check.skip_ip6");
  env.boolean("TROP_SKIP_TCP", l.occupancy.skip_tcp, "occupancy_check.skip_tcp");
  env.boolean("TROP_SKIP_UDP", l.occupancy.skip_udp, "occupancy_check.skip_udp");
  env.boolean("TROP_CHECK_ALL_INTERFACES", l.occupancy.check_all_interfaces,
              "occupancy_check.check_all_interfaces");
  return out;
}

}  // namespace trop
