// `trop show-path`: print the path trop would use as a reservation's
// identity (SPEC B §12.14): the canonical cwd, or --path normalized, or
// either canonicalized. Reads no configuration and no store.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct show_path_options {
  std::optional<std::string> path;
  bool canonicalize = false;
};

void setup_show_path(option_sink& sink, show_path_options& opts);
int run_show_path(const show_path_options& opts, context& ctx);

}  // namespace trop::cli
