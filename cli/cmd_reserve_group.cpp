#include "cmd_reserve_group.h"

#include "arguments.h"

namespace trop::cli {

void setup_reserve_group(option_sink& sink, reserve_group_options& opts) {
  sink.positional("CONFIG_PATH", &opts.config_path, true,
                  "Configuration file defining `reservations` (trop.yaml, trop.local.yaml or "
                  "any YAML file)");
  setup_group_options(sink, opts.group);
}

int run_reserve_group(const reserve_group_options& opts, context& ctx) {
  const std::string& arg = *opts.config_path;
  if (arg.empty()) {
    throw usage_failure("a value is required for '<CONFIG_PATH>' but none was supplied");
  }
  group_format format = parsed_group_format(opts.group);

  use_group_file(ctx, arg, opts.group);
  return run_group(opts.group, format, ctx, arg);
}

}  // namespace trop::cli
