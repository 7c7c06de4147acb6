// `trop show-data-dir`: print the data directory as resolved (SPEC B §12.13,
// A.2 #22). Reads no configuration and no store; creates nothing.
// Thread safety: main thread only.
#pragma once

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct show_data_dir_options {};

void setup_show_data_dir(option_sink& sink, show_data_dir_options& opts);
int run_show_data_dir(const show_data_dir_options& opts, context& ctx);

}  // namespace trop::cli
