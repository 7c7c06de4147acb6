#include "cmd_autoreserve.h"

namespace trop::cli {

void setup_autoreserve(option_sink& sink, autoreserve_options& opts) {
  setup_group_options(sink, opts.group);
}

int run_autoreserve(const autoreserve_options& opts, context& ctx) {
  group_format format = parsed_group_format(opts.group);
  use_discovered_group(ctx, opts.group);
  const effective_settings& settings = ctx.settings();
  if (settings.group) {
    // A.2 #14: the path as is, without the original's debug quotes.
    ctx.info("Discovered config: " + settings.group_file);
  }
  return run_group(opts.group, format, ctx, settings.group_file);
}

}  // namespace trop::cli
