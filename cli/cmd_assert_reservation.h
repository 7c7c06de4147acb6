// `trop assert-reservation`: succeed when a reservation exists for a
// directory (and tag), printing its port (SPEC B §12.9, A.2 #10). Read-only:
// no lock, never creates a store (A.1).
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct assert_reservation_options {
  std::optional<std::string> path;
  std::optional<std::string> tag;
  bool negate = false;
};

void setup_assert_reservation(option_sink& sink, assert_reservation_options& opts);
int run_assert_reservation(const assert_reservation_options& opts, context& ctx);

}  // namespace trop::cli
