// `trop autoreserve`: find the nearest trop.yaml / trop.local.yaml from the
// cwd and reserve its group (SPEC B §12.5 with A.2 #14, #15, #27-#29).
// Thread safety: main thread only.
#pragma once

#include "context.h"
#include "group_command.h"
#include "option_sink.h"

namespace trop::cli {

struct autoreserve_options {
  group_options group;
};

void setup_autoreserve(option_sink& sink, autoreserve_options& opts);
int run_autoreserve(const autoreserve_options& opts, context& ctx);

}  // namespace trop::cli
