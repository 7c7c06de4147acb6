// `trop reserve`: a sticky port for a directory (SPEC B §12.1, §9.2, A.2
// #1, #2, #15). Prints the port alone on stdout.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "occupancy.h"
#include "option_sink.h"

namespace trop::cli {

struct reserve_options {
  std::optional<std::string> path;
  std::optional<std::string> tag;
  std::optional<std::string> port;
  std::optional<std::string> min, max;
  std::optional<std::string> project, task;
  bool clear_project = false;
  bool clear_task = false;
  bool allow_unrelated_path = false;
  bool allow_project_change = false;
  bool allow_task_change = false;
  bool allow_change = false;
  bool force = false;
  bool overwrite = false;
  bool ignore_occupied = false;
  bool ignore_exclusions = false;
  bool disable_autoprune = false;
  bool disable_autoexpire = false;
  bool disable_autoclean = false;
  bool dry_run = false;
  occupancy_flags occupancy;
};

void setup_reserve(option_sink& sink, reserve_options& opts);
int run_reserve(const reserve_options& opts, context& ctx);

}  // namespace trop::cli
