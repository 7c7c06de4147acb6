// What `reserve-group` and `autoreserve` share (SPEC B §9.4, §12.4, §12.5,
// §13.2 with A.2 #14, #15, #27-#29): their flags, the command-line layer
// they add to the configuration, and the run from an effective group to the
// rendered, committed allocation.
// Thread safety: main thread only (uses the context).
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "occupancy.h"
#include "option_sink.h"
#include "trop/formats/group_output.h"

namespace trop::cli {

// The flags of both group commands (every one but reserve-group's CONFIG_PATH).
struct group_options {
  std::optional<std::string> task;
  std::optional<std::string> format;  // export (default), json, dotenv, human; case-sensitive
  std::optional<std::string> shell;
  bool force = false;
  bool allow_unrelated_path = false;
  bool allow_project_change = false;
  bool allow_task_change = false;
  bool allow_change = false;
  bool dry_run = false;
  occupancy_flags occupancy;
};

void setup_group_options(option_sink& sink, group_options& opts);

// --format checked the way the parser checks a typed value: anything but the
// four exact names is a usage error (exit 2).
group_format parsed_group_format(const group_options& opts);

// The flags as the top configuration layer (--task, permissions, occupancy).
config_layer group_command_line_layer(const group_options& opts);

// Everything after the configuration is resolved: the group check (exit 6),
// the group directory, --shell (exit 6), the path guard (exit 1), the env
// names and base checks (exit 6), then the engine's group operation in one
// write transaction (or a dry-run transaction), rendering before commit,
// stdout after commit. `source` is how dry-run lines name the file.
int run_group(const group_options& opts, group_format format, context& ctx,
              const std::string& source);

}  // namespace trop::cli
