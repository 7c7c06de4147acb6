// Global options and the effective configuration of one invocation. All
// layers meet in resolve_settings(): built-in defaults, the user and project
// files, environment variables, then the command line (the global options and
// the subcommand's own flags), through trop::load_config (SPEC B §4).
// Commands read the result; they never consult the layers.
// Thread safety: values; resolve_settings() reads files and the environment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "option_sink.h"
#include "trop/config.h"
#include "trop/formats/config_loader.h"
#include "trop/reserve.h"

namespace trop::cli {

// Options accepted before or after any subcommand (SPEC B §2.1).
struct global_options {
  std::optional<std::string> data_dir;
  std::optional<std::uint64_t> busy_timeout;  // seconds, as typed (checked after merging)
  std::optional<std::string> durability;      // "full" or "normal"
  bool disable_autoinit = false;
  bool quiet = false;
  bool verbose = false;
};

void setup_globals(option_sink& sink, global_options& opts);

// The merged configuration every command reads.
using effective_settings = effective_config;

// What a subcommand asks of the configuration: its scope (SPEC B §4.3), the
// layer its own flags form, and whether it uses TROP_PROJECT / TROP_TASK.
struct config_needs {
  config_scope scope = config_scope::discover;
  config_layer command_line;
  bool uses_project_task = false;
  std::string explicit_file;  // explicit_project scope only
};

// Adds what the global options set to a command-line layer.
void apply_globals(const global_options& globals, config_layer* layer);

// Loads the effective configuration. `cwd` is the canonical cwd (empty: no
// project discovery). Throws cli_error (exit 7) naming the first problem;
// `files` receives the files that were read.
effective_settings resolve_settings(const global_options& globals, config_needs needs,
                                    const std::string& data_dir, const std::string& cwd,
                                    const env_lookup& getenv, std::vector<loaded_file>* files);

// configured_intent() (A.2 #28) lives in trop/formats/config_loader.h, shared
// with the C API.

}  // namespace trop::cli
