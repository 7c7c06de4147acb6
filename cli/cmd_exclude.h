// `trop exclude <PORT_OR_RANGE>`: add a port or a range to the
// excluded_ports of a configuration file, changing only that entry (SPEC B
// §12.17 with A.2 #4, #5). Reads the store (no lock, creates nothing) to
// refuse reserved ports unless --force.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "context.h"
#include "option_sink.h"
#include "trop/formats/exclusion_edit.h"

namespace trop::cli {

struct exclude_options {
  std::optional<std::string> port_or_range;
  bool global = false;
  bool force = false;
};

void setup_exclude(option_sink& sink, exclude_options& opts);
int run_exclude(const exclude_options& opts, context& ctx);

// "N" or "A..B" (split at the first "..", no trimming; each side decimal
// with an optional '+', at most 65535), checked with check_exclusion (port
// 0, end < start). Exit 4 otherwise.
port_exclusion parse_exclusion_argument(std::string_view text);

}  // namespace trop::cli
