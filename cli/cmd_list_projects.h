// `trop list-projects`: every distinct project of the store, one per line,
// byte-wise sorted (SPEC B §12.20, §7.2). Read-only: no lock, never creates
// a store (A.1).
// Thread safety: main thread only.
#pragma once

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct list_projects_options {};

void setup_list_projects(option_sink& sink, list_projects_options& opts);
int run_list_projects(const list_projects_options& opts, context& ctx);

}  // namespace trop::cli
