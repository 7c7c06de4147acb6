// `trop scan`: probe every port of the effective range and list the
// occupied ones, one row per occupied probe, optionally adding the
// unreserved ones to excluded_ports (SPEC B §12.15, §13.3 with A.2 #3, #4,
// #5, #19). Reads the store without the lock and never creates it.
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "context.h"
#include "occupancy.h"
#include "option_sink.h"

namespace trop::cli {

struct scan_options {
  std::optional<std::uint64_t> min, max;
  bool autoexclude = false;
  bool autocompact = false;
  bool global = false;
  std::optional<std::string> format;
  occupancy_flags occupancy;  // without --skip-occupancy-check
};

void setup_scan(option_sink& sink, scan_options& opts);
int run_scan(const scan_options& opts, context& ctx);

}  // namespace trop::cli
