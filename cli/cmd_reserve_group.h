// `trop reserve-group <CONFIG_PATH>`: reserve the group of services defined
// in a configuration file and print it for a shell, dotenv, JSON or people
// (SPEC B §12.4, §9.4, §13.2 with A.2 #15, #27-#29).
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "group_command.h"
#include "option_sink.h"

namespace trop::cli {

struct reserve_group_options {
  std::optional<std::string> config_path;
  group_options group;
};

void setup_reserve_group(option_sink& sink, reserve_group_options& opts);
int run_reserve_group(const reserve_group_options& opts, context& ctx);

}  // namespace trop::cli
