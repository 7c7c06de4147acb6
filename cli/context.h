// The invocation context handed to every command: global options, lazily
// resolved settings, the data directory, working directories and stderr
// helpers. Each fact is computed on first use, so a command
// reads nothing it does not need (start-up cost, DESIGN.md).
// Thread safety: one context per process, used from the main thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "errors.h"
#include "settings.h"

namespace trop::cli {

class context {
 public:
  context(global_options globals, std::string command_name);

  const global_options& globals() const { return globals_; }
  const std::string& command_name() const { return command_name_; }

  // --quiet wins over --verbose (SPEC B §1).
  bool quiet() const { return globals_.quiet; }
  bool verbose() const { return globals_.verbose && !globals_.quiet; }

  // What the command asks of the configuration; call before settings().
  void set_config_needs(config_needs needs);
  // The effective configuration (defaults, files, environment, command line)
  // for the config needs set. Throws cli_error (exit 7).
  const effective_settings& settings();
  // The configuration files settings() read (for --verbose and exclude).
  const std::vector<loaded_file>& config_files() const { return config_files_; }

  // A subcommand-level --data-dir (assert-data-dir), which wins over all else.
  void set_data_dir_override(std::string dir);
  // SPEC B §2.2: override, --data-dir, TROP_DATA_DIR, $HOME/.trop; used
  // verbatim (a relative value is relative to the process cwd). Throws
  // cli_error: exit 2 for an empty TROP_DATA_DIR, exit 7 without a home.
  const std::string& data_dir();

  // The process cwd as getcwd(3) reports it. Throws cli_error (exit 5).
  const std::string& cwd();
  // The cwd with symlinks resolved. Throws cli_error (exit 6) after the
  // warning of SPEC B §1 when it cannot be canonicalized.
  const std::string& canonical_cwd();
  // $PWD when it names the cwd (see trop::logical_cwd).
  const std::optional<std::string>& logical_cwd();

  // $HOME when set and non-empty.
  std::optional<std::string> home() const;
  // $HOME, or cli_error (exit 7) when there is none (A.2 #22).
  std::string require_home() const;

  // What errors.cpp needs to phrase engine failures.
  failure_context failure();

  // "Warning: <text>" on stderr unless --quiet.
  void warn(std::string_view text) const;
  // Non-essential stderr line unless --quiet.
  void info(std::string_view text) const;
  // A --verbose decision line ("trop: <text>") on stderr.
  void trace(std::string_view text) const;

 private:
  global_options globals_;
  std::string command_name_;
  config_needs config_needs_;
  std::optional<effective_settings> settings_;
  std::vector<loaded_file> config_files_;
  std::optional<std::string> data_dir_override_;
  std::optional<std::string> data_dir_;
  std::optional<std::string> cwd_;
  std::optional<std::string> canonical_cwd_;
  std::optional<std::optional<std::string>> logical_cwd_;
};

// Usage check shared by all commands (SPEC A.2 #24): an empty TROP_DATA_DIR
// is a usage error unless --data-dir was given. Throws cli_error (exit 2).
void check_global_environment(const global_options& globals);

}  // namespace trop::cli
