// `trop release`: delete the reservations of a directory (SPEC B §12.2).
// Messages go to stderr; stdout stays empty.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct release_options {
  std::optional<std::string> path;
  std::optional<std::string> tag;
  bool untagged_only = false;
  bool recursive = false;
  bool allow_unrelated_path = false;
  bool force = false;
  bool dry_run = false;
};

void setup_release(option_sink& sink, release_options& opts);
int run_release(const release_options& opts, context& ctx);

}  // namespace trop::cli
