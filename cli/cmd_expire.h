// `trop expire`: remove the reservations unused for more than N days (SPEC B
// §11.2, §12.7, A.1, A.2 #13, #16). Counts go to stdout with --quiet only;
// every message goes to stderr.
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct expire_options {
  std::optional<std::uint64_t> days;  // u32; default cleanup.expire_after_days
  bool dry_run = false;
};

void setup_expire(option_sink& sink, expire_options& opts);
int run_expire(const expire_options& opts, context& ctx);

}  // namespace trop::cli
