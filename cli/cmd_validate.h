// `trop validate <CONFIG_PATH>`: check one configuration file on its own and
// list every problem in it with its field and line (SPEC B §12.16, §4.4-§4.6).
// Reads no store and resolves no configuration.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct validate_options {
  std::optional<std::string> config_path;
};

void setup_validate(option_sink& sink, validate_options& opts);
int run_validate(const validate_options& opts, context& ctx);

}  // namespace trop::cli
