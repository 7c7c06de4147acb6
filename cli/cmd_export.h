// `trop export`: every reservation as JSON on stdout (SPEC A.1), the file
// `trop import` reads back. Read-only: a snapshot, no lock, nothing created.
// Thread safety: main thread only.
#pragma once

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct export_options {};

void setup_export(option_sink& sink, export_options& opts);
int run_export(const export_options& opts, context& ctx);

}  // namespace trop::cli
