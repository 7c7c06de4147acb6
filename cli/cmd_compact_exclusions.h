// `trop compact-exclusions <PATH>`: replace a file's excluded_ports by the
// minimal sorted list covering the same ports, changing only that entry
// (SPEC B §12.18 with A.2 #5, #6). Reads no store and resolves no
// configuration.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct compact_exclusions_options {
  std::optional<std::string> path;
  bool dry_run = false;
};

void setup_compact_exclusions(option_sink& sink, compact_exclusions_options& opts);
int run_compact_exclusions(const compact_exclusions_options& opts, context& ctx);

}  // namespace trop::cli
