// Global options and the effective settings of one invocation. All layers
// meet in resolve_settings(): built-in defaults, then (in a later change)
// user and project configuration files, then environment variables, then the
// command line. Commands read settings; they never consult the layers.
// Thread safety: values; resolve_settings() only reads its arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "option_sink.h"
#include "trop/port_range.h"
#include "trop/store.h"

namespace trop::cli {

// Options accepted before or after any subcommand (SPEC B §2.1).
struct global_options {
  std::optional<std::string> data_dir;
  std::optional<std::uint64_t> busy_timeout;  // seconds, as typed (checked in resolve_settings)
  std::optional<std::string> durability;      // "full" or "normal"
  bool disable_autoinit = false;
  bool quiet = false;
  bool verbose = false;
};

void setup_globals(option_sink& sink, global_options& opts);

inline constexpr std::uint64_t kMaxBusyTimeoutSeconds = 2147483;

struct effective_settings {
  std::uint32_t busy_timeout_seconds = 5;
  durability durability_mode = durability::full;
  bool disable_autoinit = false;
  bool allow_unrelated_path = false;
  port_range range{5000, 7000};
  exclusion_set excluded_ports;
  // Automatic cleanup on exhaustion (SPEC B §9.3).
  bool disable_autoprune = false;
  bool disable_autoexpire = false;
  std::uint32_t expire_after_days = 30;
};

// Reads one environment variable; nullptr when unset.
using env_lookup = std::function<const char*(const char*)>;

// Resolves the settings from defaults, the environment and the command line.
// Honoured variables: TROP_BUSY_TIMEOUT (alias TROP_MAXIMUM_LOCK_WAIT_SECONDS),
// TROP_DURABILITY, TROP_DISABLE_AUTOINIT, TROP_ALLOW_UNRELATED_PATH.
// Throws cli_error (exit 7) for an invalid value.
effective_settings resolve_settings(const global_options& globals, const env_lookup& getenv);

// Parses the boolean spellings of SPEC B §4.8 (true|1|yes|on, false|0|no|off,
// case-insensitive); nullopt otherwise.
std::optional<bool> parse_env_bool(std::string_view text);

}  // namespace trop::cli
