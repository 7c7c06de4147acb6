// trop's configuration model (SPEC B §4, A.1 durability): one layer per
// source, the merge of §4.7, the validation of §4.4/§4.6 and the environment
// layer of §4.8. No file I/O and no YAML here: formats/config_yaml parses a
// file into a config_layer, formats/config_loader finds the files and runs
// the whole pipeline.
// Thread safety: plain values and pure functions; read_env_layer() calls only
// the lookup it is given. Safe to use from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trop/occupancy.h"
#include "trop/port_range.h"
#include "trop/store.h"

namespace trop {

inline constexpr std::uint16_t kDefaultPortMin = 5000;
inline constexpr std::uint16_t kDefaultPortMax = 7000;
inline constexpr std::uint32_t kDefaultExpireAfterDays = 30;
inline constexpr std::uint64_t kDefaultLockWaitSeconds = 5;
// SQLite's i32 milliseconds in the original; kept for compatibility (SPEC B §17).
inline constexpr std::uint64_t kMaxLockWaitSeconds = 2147483;
// Longest project, task, tag (after trimming) and environment-variable name.
inline constexpr std::size_t kMaxIdentifierBytes = 255;

// Provenance names of the layers that are not files (SPEC B §4.9).
inline constexpr std::string_view kOriginDefaults = "<built-in defaults>";
inline constexpr std::string_view kOriginCommandLine = "<command line>";
inline constexpr std::string_view kOriginEnvironment = "<environment>";

// Which kind of source a layer (or an effective value) came from. The order is
// the precedence order, lowest first.
enum class config_origin {
  defaults,
  user_file,     // <data-dir>/config.yaml: forbids project and reservations
  project_file,  // trop.yaml, or the explicit file of reserve-group
  local_file,    // trop.local.yaml
  environment,
  command_line,
};

enum class output_format { table, json, csv, tsv };
// Durability of a commit is trop::durability (store.h, SPEC A.1).

// "table", "json", ... / "full", "normal".
std::string_view to_string(output_format f);
std::string_view to_string(durability d);
// Exact lowercase spellings (YAML); case_insensitive for the environment.
std::optional<output_format> parse_output_format(std::string_view s, bool case_insensitive);
std::optional<durability> parse_durability(std::string_view s, bool case_insensitive);

// A 1-based line and column in a file (columns in bytes); 0 when unknown
// (environment, command line, defaults).
struct source_position {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
  friend bool operator==(const source_position&, const source_position&) = default;
};

// One `excluded_ports` entry. It remembers its spelling so that a later file
// edit (exclude, compact-exclusions) can tell `8080` from `{start: 8080, end:
// 8080}` (structurally different entries, SPEC B §12.17). Ports are u16 at
// parse time; 0 and end < start are validation errors, so an entry may hold
// them until validated.
struct exclusion_entry {
  enum class spelling { single, range };

  std::uint16_t start = 0;
  std::uint16_t end = 0;  // == start for a single port
  spelling form = spelling::single;
  source_position position;  // where it was written; not part of equality

  static exclusion_entry single(std::uint16_t port) { return {port, port, spelling::single, {}}; }
  static exclusion_entry range(std::uint16_t first, std::uint16_t last) {
    return {first, last, spelling::range, {}};
  }
  // Structural equality: same spelling and same ports.
  friend bool operator==(const exclusion_entry& a, const exclusion_entry& b) {
    return a.start == b.start && a.end == b.end && a.form == b.form;
  }
};

// One service of a reservation group (SPEC B §4.6).
struct service_def {
  std::string tag;  // the mapping key exactly as written (untrimmed)
  std::optional<std::uint16_t> offset;
  std::optional<std::uint16_t> preferred;
  std::optional<std::string> env;
  source_position position;  // of the tag key
  friend bool operator==(const service_def& a, const service_def& b) {
    return a.tag == b.tag && a.offset == b.offset && a.preferred == b.preferred && a.env == b.env;
  }
};

// A reservation group: optional base and the services in file order.
struct reservation_group {
  std::optional<std::uint16_t> base;
  std::vector<service_def> services;
  source_position position;  // of the `reservations` key
  friend bool operator==(const reservation_group& a, const reservation_group& b) {
    return a.base == b.base && a.services == b.services;
  }
};

// The three states of a layer's `reservations` key (SPEC B §4.7).
enum class group_state {
  absent,   // key omitted: inherit
  cleared,  // `reservations:` / `~` / `null`: clear (inert in the user file)
  defined,  // a mapping: replaces the whole group
};

struct occupancy_layer {
  std::optional<bool> skip;
  std::optional<bool> skip_ip4;
  std::optional<bool> skip_ip6;
  std::optional<bool> skip_tcp;
  std::optional<bool> skip_udp;
  std::optional<bool> check_all_interfaces;
};

// One configuration source. Every key is optional; absent means "inherit".
// Field names used in provenance and errors are the YAML paths of SPEC B §4.4:
// "project", "task", "ports.min", "ports.max", "ports.max_offset",
// "excluded_ports", "cleanup.expire_after_days", "occupancy_check.skip", ...,
// "maximum_lock_wait_seconds", "output_format", "durability", "reservations".
struct config_layer {
  config_origin kind = config_origin::defaults;
  // Default provenance of every field: the file path, kOriginEnvironment,
  // kOriginCommandLine or kOriginDefaults.
  std::string origin;

  std::optional<std::string> project;  // as written (trimmed by validation)
  bool clear_project = false;          // --clear-project: clears at this layer
  std::optional<std::string> task;     // TROP_TASK / --task (never a YAML key)
  bool clear_task = false;             // --clear-task

  std::optional<std::uint16_t> port_min;
  // Upper bound (SPEC B §4.7): a layer with only port_max clears an inherited
  // max_offset and vice versa; a layer with both sets both.
  std::optional<std::uint16_t> port_max;
  std::optional<std::uint16_t> port_max_offset;

  std::vector<exclusion_entry> excluded_ports;  // accumulated across layers

  std::optional<std::uint32_t> expire_after_days;
  occupancy_layer occupancy;

  std::optional<bool> disable_autoinit;
  std::optional<bool> disable_autoprune;
  std::optional<bool> disable_autoexpire;
  std::optional<bool> allow_unrelated_path;
  std::optional<bool> allow_change_project;
  std::optional<bool> allow_change_task;
  std::optional<bool> allow_change;

  std::optional<std::uint64_t> maximum_lock_wait_seconds;
  std::optional<output_format> output;
  std::optional<durability> durability_mode;

  group_state reservations_state = group_state::absent;
  reservation_group reservations;  // meaningful when reservations_state == defined

  // Per-field provenance that differs from `origin` (the environment layer
  // records the variable actually read, e.g. "TROP_MAXIMUM_LOCK_WAIT_SECONDS").
  std::map<std::string, std::string, std::less<>> field_origin;
  // Where each key was written (file layers).
  std::map<std::string, source_position, std::less<>> positions;

  const std::string& origin_of(std::string_view field) const;
  source_position position_of(std::string_view field) const;
};

// A configuration problem. The kind selects the message shape of SPEC B §4.9
// (see format_config_error in trop/formats/config_loader.h).
enum class config_error_kind {
  read,    // a file could not be read: source = path, message = "Failed to read ..."
  syntax,  // YAML syntax, wrong type, unknown or duplicate key: source = path
  value,   // a value breaks a rule: field + source (file, variable, <command line>)
};

struct config_error {
  config_error_kind kind = config_error_kind::value;
  std::string source;  // file path, env var name, "<command line>", "<built-in defaults>";
                       // empty for environment parse errors (the field is the variable)
  std::string field;   // "ports.min", "reservations.services.tag", "TROP_PORT_MIN"; may be empty
  int line = 0;        // 1-based; 0 when unknown
  int column = 0;
  // Never contains a group tag or env text (SPEC B §4.6), nor the prefixes of §4.9.
  std::string message;
  friend bool operator==(const config_error&, const config_error&) = default;
};

// A parsed layer and every problem found while building it.
struct layer_outcome {
  config_layer layer;
  std::vector<config_error> errors;
  bool ok() const { return errors.empty(); }
};

// The six `occupancy_check` leaves as configured (SPEC B §4.4).
struct occupancy_settings {
  bool skip = false;
  bool skip_ip4 = false;
  bool skip_ip6 = false;
  bool skip_tcp = false;
  bool skip_udp = false;
  bool check_all_interfaces = false;
  friend bool operator==(const occupancy_settings&, const occupancy_settings&) = default;

  // The probing policy (SPEC B §8.1): `skip` folds in as all four skip flags.
  occupancy_policy policy() const {
    occupancy_policy p;
    p.skip_ip4 = skip || skip_ip4;
    p.skip_ip6 = skip || skip_ip6;
    p.skip_tcp = skip || skip_tcp;
    p.skip_udp = skip || skip_udp;
    p.check_all_interfaces = check_all_interfaces;
    return p;
  }
};

// Where an effective value came from.
struct field_source {
  config_origin kind = config_origin::defaults;
  std::string name{kOriginDefaults};
};

// An excluded-port entry of the effective configuration and its source.
struct sourced_exclusion {
  exclusion_entry entry;
  std::string origin;  // file path or "TROP_EXCLUDED_PORTS" or "<command line>"
};

// The configuration after merge (SPEC B §4.7). Fields are meaningful after
// validate_effective() returned no errors; until then they hold the raw merge.
struct effective_config {
  std::uint16_t port_min = kDefaultPortMin;
  std::optional<std::uint16_t> port_max = kDefaultPortMax;
  std::optional<std::uint16_t> port_max_offset;
  std::vector<sourced_exclusion> excluded_ports;  // all layers, lowest first
  exclusion_set exclusions;                       // built by validate_effective()
  std::uint32_t expire_after_days = kDefaultExpireAfterDays;
  occupancy_settings occupancy;
  bool disable_autoinit = false;
  bool disable_autoprune = false;
  bool disable_autoexpire = false;
  bool allow_unrelated_path = false;
  bool allow_change_project = false;
  bool allow_change_task = false;
  bool allow_change = false;
  std::uint64_t maximum_lock_wait_seconds = kDefaultLockWaitSeconds;
  output_format output = output_format::table;
  durability durability_mode = durability::full;

  // Trimmed by validate_effective(). project_source().kind tells a file
  // default (A.2 #28: defaults for new reservations only) from a value given
  // by TROP_PROJECT or --project (sticky-checked).
  std::optional<std::string> project;
  bool project_cleared = false;  // --clear-project (also suppresses git inference)
  std::optional<std::string> task;
  bool task_cleared = false;  // --clear-task

  std::optional<reservation_group> group;
  std::string group_file;  // the file that supplied `group` (path as loaded)
  config_origin group_origin = config_origin::defaults;

  // Provenance of every field set by a layer; absent = built-in default.
  std::map<std::string, field_source, std::less<>> sources;

  // The allocation range: [port_min, port_max] or [port_min, port_min + offset].
  // REQUIRES: validated.
  port_range range() const;
  // Effective change permissions: allow_change || allow_change_project (task likewise).
  bool may_change_project() const { return allow_change || allow_change_project; }
  bool may_change_task() const { return allow_change || allow_change_task; }
  // REQUIRES: validated (so the value is <= kMaxLockWaitSeconds).
  std::uint32_t busy_timeout_seconds() const {
    return static_cast<std::uint32_t>(maximum_lock_wait_seconds);
  }
  field_source source_of(std::string_view field) const;
  field_source project_source() const { return source_of("project"); }
  field_source task_source() const { return source_of("task"); }
};

// ---------------------------------------------------------------------------
// Rules shared by every layer.

// Strips ASCII whitespace (space, \t, \n, \r, \f, \v) at both ends, the
// trimming used for tags, projects and tasks everywhere in trop.
std::string_view trim_whitespace(std::string_view s);

// Identifier rules of SPEC B §6 (project, task, group tag): trimmed non-empty,
// no NUL, at most 255 bytes after trimming. nullopt when valid, else the
// message ("Cannot be empty or only whitespace", "Cannot contain NUL bytes",
// "Cannot exceed 255 characters"); never echoes the text.
std::optional<std::string> check_identifier(std::string_view s);

// True for `[A-Za-z_][A-Za-z0-9_]*` of at most 255 bytes (ASCII only).
bool is_valid_env_name(std::string_view name);

// The environment-variable name derived from a group tag (A.2 #27): the
// trimmed tag, which must be ASCII, ASCII-uppercased with '-' turned into '_';
// nullopt when the result is not a valid name.
std::optional<std::string> derive_env_name(std::string_view tag);

// The service's explicit env, else the derived name; nullopt when neither is valid.
std::optional<std::string> resolved_env_name(const service_def& service);

// ---------------------------------------------------------------------------
// Validation, merge.

// Checks one layer on its own (every YAML file when it is loaded, SPEC B
// §4.7): ports, exclusions, expire_after_days, lock wait, project identifier,
// the group (§4.6), and in the user file the forbidden keys (non-null
// `project` or `reservations`). Returns every problem, kind value, source =
// the layer's origin, positions from layer.positions.
std::vector<config_error> validate_layer(const config_layer& layer);

// The group rules of SPEC B §4.6 with A.2 #27. `origin` names the file for
// the messages. Messages name only fields and service numbers (1-based, file
// order), never a tag or an env text.
std::vector<config_error> validate_group(const reservation_group& group, std::string_view origin);

// Applies one layer on top of `into` with the rules of SPEC B §4.7 and records
// provenance. A user-file `reservations: null` is inert.
void apply_layer(effective_config& into, const config_layer& layer);

// Built-in defaults, then every layer in order (lowest precedence first).
effective_config merge_layers(std::span<const config_layer> layers);

// Validates the merged result (SPEC B §4.4, §4.6, §6 for project and task),
// trims project and task and builds `exclusions`. Every error names the
// source that last set the offending field.
std::vector<config_error> validate_effective(effective_config& config);

// ---------------------------------------------------------------------------
// Environment layer (SPEC B §4.8).

// Reads one environment variable; nullptr when unset. Must not be empty.
using env_lookup = std::function<const char*(const char*)>;

// Parses every configuration variable of SPEC B §4.8 (not TROP_DATA_DIR or
// TROP_PATH, which are the caller's) plus TROP_DURABILITY into a layer of kind
// environment with per-field provenance. TROP_PROJECT and TROP_TASK are read
// only when `uses_project_task` (A.2 #12). A value that is not valid UTF-8 is
// treated as unset. Parse errors (kind value, field = the variable, source
// empty) carry the texts of §4.8, e.g. "Invalid port number",
// "Invalid boolean value: 'x' (expected true/false/1/0/yes/no/on/off)". Range
// rules (port 0, days 0, lock wait > 2147483) are left to validate_effective().
layer_outcome read_env_layer(const env_lookup& getenv, bool uses_project_task);

}  // namespace trop
