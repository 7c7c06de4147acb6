// `trop reserve`: a sticky port for a directory (SPEC B §12.1, §9.2, A.2
// #1, #2, #15). Prints the port alone on stdout.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct reserve_options {
  std::optional<std::string> path;
  std::optional<std::string> tag;
  std::optional<std::string> port;
  bool allow_unrelated_path = false;
  bool force = false;
  bool overwrite = false;
  bool dry_run = false;
};

void setup_reserve(option_sink& sink, reserve_options& opts);
int run_reserve(const reserve_options& opts, context& ctx);

}  // namespace trop::cli
