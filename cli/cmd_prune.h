// `trop prune`: remove the reservations whose directory no longer exists
// (SPEC B §11.1, §12.6, A.1, A.2 #13, #16). Counts go to stdout with
// --quiet only; every message goes to stderr.
// Thread safety: main thread only.
#pragma once

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct prune_options {
  bool dry_run = false;
};

void setup_prune(option_sink& sink, prune_options& opts);
int run_prune(const prune_options& opts, context& ctx);

}  // namespace trop::cli
