// `trop list`: print reservations (SPEC B §12.3, §13.1). Read-only: takes no
// lock, never waits for a writer and never creates a store (A.1).
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct list_options {
  std::optional<std::string> format;
  std::optional<std::string> filter_project;
  std::optional<std::string> filter_tag;
  std::optional<std::string> filter_path;
  bool show_full_paths = false;
};

void setup_list(option_sink& sink, list_options& opts);
int run_list(const list_options& opts, context& ctx);

}  // namespace trop::cli
