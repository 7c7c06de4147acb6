// `trop assert-port <PORT>`: succeed when the store holds a reservation for
// the port (SPEC B §12.10). Checks the store only, never occupancy.
// Read-only: no lock, never creates a store (A.1). Stdout stays empty.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct assert_port_options {
  std::optional<std::string> port;
  bool negate = false;
};

void setup_assert_port(option_sink& sink, assert_port_options& opts);
int run_assert_port(const assert_port_options& opts, context& ctx);

}  // namespace trop::cli
