#include "cmd_autoreserve.h"

#include "trop/formats/config_loader.h"

namespace trop::cli {

void setup_autoreserve(option_sink& sink, autoreserve_options& opts) {
  setup_group_options(sink, opts.group);
}

int run_autoreserve(const autoreserve_options& opts, context& ctx) {
  group_format format = parsed_group_format(opts.group);
  // Discovery as the configuration does it (SPEC B §4.2): from the canonical
  // cwd up to the root, the first directory holding either project file.
  const std::string& cwd = ctx.canonical_cwd();
  if (!discover_project_files(cwd)) {
    throw invalid_arguments("No trop configuration file found (searched from: " + cwd + ")");
  }
  config_needs needs;
  needs.scope = config_scope::discover;
  needs.command_line = group_command_line_layer(opts.group);
  needs.uses_project_task = true;
  ctx.set_config_needs(std::move(needs));
  const effective_settings& settings = ctx.settings();
  if (settings.group) {
    // A.2 #14: the path as is, without the original's debug quotes.
    ctx.info("Discovered config: " + settings.group_file);
  }
  return run_group(opts.group, format, ctx, settings.group_file);
}

}  // namespace trop::cli
