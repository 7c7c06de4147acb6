// `trop import <FILE>`: load reservations written by `trop export` or by the
// original tool's `list --format json` (SPEC A.1) in one write transaction,
// all or nothing. A key or port already in the store is a conflict unless
// --force, which replaces the stored records involved.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct import_options {
  std::optional<std::string> file;  // "-" reads stdin
  bool force = false;
  bool dry_run = false;
};

void setup_import(option_sink& sink, import_options& opts);
int run_import(const import_options& opts, context& ctx);

}  // namespace trop::cli
