// `trop autoclean`: prune and expire in one transaction (SPEC B §11.3,
// §12.8, A.1, A.2 #13, #16). Counts go to stdout with --quiet only; every
// message goes to stderr.
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct autoclean_options {
  std::optional<std::uint64_t> days;  // u32; default cleanup.expire_after_days
  bool dry_run = false;
};

void setup_autoclean(option_sink& sink, autoclean_options& opts);
int run_autoclean(const autoclean_options& opts, context& ctx);

}  // namespace trop::cli
