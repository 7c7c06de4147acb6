// `trop init`: create the data directory and an empty store explicitly,
// optionally with a commented config.yaml template (SPEC B §12.19, A.2 #23).
// Configuration: built-in defaults, environment and command line only (no
// YAML). All output goes to stdout; --quiet has no effect.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct init_options {
  std::optional<std::string> data_dir;  // this subcommand's own; beats the global one
  bool overwrite = false;
  bool with_config = false;
  bool dry_run = false;
};

void setup_init(option_sink& sink, init_options& opts);
int run_init(const init_options& opts, context& ctx);

// The comment-only config.yaml that --with-config writes: it documents every
// key and parses as an empty configuration.
std::string_view user_config_template();

}  // namespace trop::cli
