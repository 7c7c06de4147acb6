#include "settings.h"

#include <cctype>
#include <string_view>

#include "errors.h"

namespace trop::cli {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

bool env_bool(const env_lookup& getenv, const char* name, bool fallback) {
  const char* v = getenv(name);
  if (v == nullptr) {
    return fallback;
  }
  std::optional<bool> b = parse_env_bool(v);
  if (!b) {
    throw config_failure(std::string("validation error for '") + name +
                         "': Invalid boolean value: '" + v +
                         "' (expected true/false/1/0/yes/no/on/off)");
  }
  return *b;
}

}  // namespace

void setup_globals(option_sink& sink, global_options& opts) {
  sink.path("--data-dir", &opts.data_dir, "Data directory (env TROP_DATA_DIR; default ~/.trop)");
  sink.number("--busy-timeout", &opts.busy_timeout, 0xFFFFFFFFu, "SECONDS",
              "Seconds to wait for the write lock, 0..2147483 (env TROP_BUSY_TIMEOUT; default 5)");
  sink.choice("--durability", &opts.durability, {"full", "normal"},
              "full: sync each commit before reporting it; normal: survive a killed process "
              "only (env TROP_DURABILITY; default full)");
  sink.flag("--disable-autoinit", &opts.disable_autoinit,
            "Do not create a missing store (env TROP_DISABLE_AUTOINIT)");
  sink.flag("-q,--quiet", &opts.quiet, "Suppress non-essential messages on stderr");
  sink.flag("-v,--verbose", &opts.verbose, "Explain decisions on stderr");
}

std::optional<bool> parse_env_bool(std::string_view text) {
  std::string v = lower(text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "0" || v == "no" || v == "off") {
    return false;
  }
  return std::nullopt;
}

effective_settings resolve_settings(const global_options& globals, const env_lookup& getenv) {
  effective_settings s;  // built-in defaults
  // Layers only override; the merged value is range-checked once at the end,
  // naming the layer that set it (SPEC B §4.7), so a higher layer can repair
  // a lower one.
  std::uint64_t busy_seconds = s.busy_timeout_seconds;
  std::string busy_source = "<built-in defaults>";

  // (Configuration files slot in here, lowest precedence first.)

  // Environment.
  const char* busy_name = "TROP_BUSY_TIMEOUT";
  const char* busy = getenv(busy_name);
  if (busy == nullptr) {
    busy_name = "TROP_MAXIMUM_LOCK_WAIT_SECONDS";
    busy = getenv(busy_name);
  }
  if (busy != nullptr) {
    std::optional<std::uint64_t> v = parse_decimal(busy);
    if (!v) {
      throw config_failure(std::string("validation error for '") + busy_name +
                           "': Invalid number of seconds: '" + busy +
                           "' (expected an integer from 0 to " +
                           std::to_string(kMaxBusyTimeoutSeconds) + ")");
    }
    busy_seconds = *v;
    busy_source = busy_name;
  }
  if (const char* d = getenv("TROP_DURABILITY"); d != nullptr) {
    std::string v = lower(d);
    if (v != "full" && v != "normal") {
      throw config_failure(
          std::string("validation error for 'TROP_DURABILITY': Invalid durability: '") + d +
          "' (expected full/normal)");
    }
    s.durability_mode = v == "full" ? durability::full : durability::normal;
  }
  s.disable_autoinit = env_bool(getenv, "TROP_DISABLE_AUTOINIT", s.disable_autoinit);
  s.allow_unrelated_path = env_bool(getenv, "TROP_ALLOW_UNRELATED_PATH", s.allow_unrelated_path);

  // Command line.
  if (globals.busy_timeout) {
    busy_seconds = *globals.busy_timeout;
    busy_source = "<command line>";
  }
  if (globals.durability) {
    s.durability_mode = *globals.durability == "full" ? durability::full : durability::normal;
  }
  if (globals.disable_autoinit) {
    s.disable_autoinit = true;
  }

  // Validation of the merged result.
  if (busy_seconds > kMaxBusyTimeoutSeconds) {
    throw config_failure("validation error for 'maximum_lock_wait_seconds (" + busy_source +
                         ")': must not exceed " + std::to_string(kMaxBusyTimeoutSeconds) +
                         " seconds");
  }
  s.busy_timeout_seconds = static_cast<std::uint32_t>(busy_seconds);
  return s;
}

}  // namespace trop::cli
