// The effective configuration of one invocation (SPEC B §4): discovery of
// the user and project files, the config scopes of §4.3, the merge of
// defaults + user + project + local + environment + command line, and the
// validation of the result. Also the one-line error texts of §4.9.
// Thread safety: reentrant; load_config() reads files and calls the request's
// env lookup, nothing else. Library code: never prints, never exits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trop/config.h"
#include "trop/reserve.h"

namespace trop {

inline constexpr std::string_view kUserConfigName = "config.yaml";
inline constexpr std::string_view kProjectConfigName = "trop.yaml";
inline constexpr std::string_view kLocalConfigName = "trop.local.yaml";

// Which layers a subcommand resolves (SPEC B §4.3).
enum class config_scope {
  discover,          // defaults + user + discovered project files + env + command line
  explicit_project,  // defaults + user + the explicit file(s) + env + command line (reserve-group)
  defaults_env_cli,  // no YAML read at all (init)
  none,              // nothing resolved: built-in defaults only, env ignored
};

struct config_request {
  std::string data_dir;  // absolute; the user file is <data_dir>/config.yaml
  std::string cwd;       // canonical process cwd: start of discovery (empty: no discovery),
                         // base of explicit_file
  config_scope scope = config_scope::discover;
  // explicit_project only: the CONFIG_PATH as the user typed it (relative to cwd).
  std::string explicit_file;
  // Only the fields the user passed. kind and origin are forced to
  // command_line / "<command line>".
  config_layer command_line;
  // Environment lookup; an empty function means "no environment".
  env_lookup getenv;
  // reserve, reserve-group, autoreserve: read and validate TROP_PROJECT and
  // TROP_TASK (A.2 #12). Other commands ignore both variables.
  bool uses_project_task = false;
};

// A configuration file that was read, in load order (for --verbose).
struct loaded_file {
  std::string path;
  config_origin kind;  // user_file, project_file or local_file
  friend bool operator==(const loaded_file&, const loaded_file&) = default;
};

struct config_outcome {
  // Valid when ok(); otherwise whatever was merged (or defaults).
  effective_config config;
  // Every file read, including those that failed to parse.
  std::vector<loaded_file> files;
  // Every problem found. File problems (read, syntax, standalone value rules)
  // of every loaded file and environment parse errors come first; the merged
  // validation runs only when there are none.
  std::vector<config_error> errors;
  // The directory where discovery found project files (discover scope), or
  // the explicit file's directory; empty when none was found.
  std::string project_dir;

  bool ok() const { return errors.empty(); }
};

// Builds the effective configuration for `request`. Never throws for
// configuration problems: they are in the outcome (the caller maps them to
// exit 7). A missing explicit file is a read error here; reserve-group checks
// existence itself first (exit 4).
config_outcome load_config(const config_request& request);

// The project files of one directory.
struct project_files {
  std::string dir;
  std::optional<std::string> project;  // <dir>/trop.yaml, or the explicit file
  std::optional<std::string> local;    // <dir>/trop.local.yaml
};

// SPEC B §4.2 discovery: from `cwd` (canonical, absolute) up to the root, the
// first directory holding trop.yaml or trop.local.yaml (a plain existence
// test, so a directory named trop.yaml counts and later fails to read).
// nullopt when no directory has either.
std::optional<project_files> discover_project_files(const std::string& cwd);

// The explicit-file mode of reserve-group: a file named exactly trop.yaml or
// trop.local.yaml brings its existing sibling; any other name is loaded alone
// as the project layer. A relative `file` is joined onto `cwd` (lexically).
project_files explicit_project_files(const std::string& file, const std::string& cwd);

// <data_dir>/config.yaml.
std::string user_config_path(const std::string& data_dir);

// Reads and checks one file (load_config_text). A read failure is one error of
// kind read whose message is "Failed to read configuration file: <os error>",
// e.g. "Is a directory (os error 21)".
layer_outcome load_config_file(const std::string& path, config_origin kind);

// The text of SPEC B §4.9 that follows "Configuration error: " (the CLI adds
// that prefix and "Error: "):
//   read    invalid path <file>: Failed to read configuration file: <os error>
//   syntax  validation error for '<file>': Invalid YAML: [<field>: ]<message>
//           [at line L column C]
//   value   validation error for '<field> (<source>)': <message>
//           ('<field>' alone when there is no source: environment variables)
std::string format_config_error(const config_error& e);

// The one-line summary of a failed load_config() that the CLI prints after
// "Configuration error: " and the C API returns as its error text: the first
// problem (format_config_error, plus " at line L column C" for a value error
// whose position is known), then " (and N more problem[s])".
// REQUIRES: !errors.empty().
std::string describe_config_errors(const std::vector<config_error>& errors);

// How a configured project or task is used (A.2 #28): a value from a
// configuration file is a default for new reservations; one from the
// environment or the command line is sticky-checked; `cleared` (--clear-*)
// clears; nothing preserves (and lets git inference fill new keys).
metadata_intent configured_intent(const std::optional<std::string>& value, bool cleared,
                                  const field_source& source);

// `trop validate`'s parser message (SPEC B §12.16 "Parse error in <path>:
// <parser message>"): "[<field>: ]<message>[ at line L column C]".
std::string describe_syntax_error(const config_error& e);

}  // namespace trop
