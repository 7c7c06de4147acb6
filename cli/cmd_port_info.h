// `trop port-info <PORT>`: who holds a port in the store and, with
// --include-occupancy, whether some process uses it right now and which
// (SPEC B §12.12, §13.4, A.2 #19). Read-only: no lock, never creates a store
// (A.1). Probe trouble never fails the command.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "occupancy.h"
#include "option_sink.h"

namespace trop::cli {

struct port_info_options {
  std::optional<std::string> port;
  bool include_occupancy = false;
  occupancy_flags occupancy;  // accepted only with --include-occupancy
};

void setup_port_info(option_sink& sink, port_info_options& opts);
int run_port_info(const port_info_options& opts, context& ctx);

}  // namespace trop::cli
