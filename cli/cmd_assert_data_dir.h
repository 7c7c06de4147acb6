// `trop assert-data-dir`: does the data directory exist, and with --validate
// is its store sound (SPEC B §12.11, A.1)? Never creates or modifies anything;
// stdout stays empty.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct assert_data_dir_options {
  std::optional<std::string> data_dir;
  bool negate = false;
  bool validate = false;
};

void setup_assert_data_dir(option_sink& sink, assert_data_dir_options& opts);
int run_assert_data_dir(const assert_data_dir_options& opts, context& ctx);

}  // namespace trop::cli
