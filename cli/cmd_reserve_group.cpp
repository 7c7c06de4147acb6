#include "cmd_reserve_group.h"

#include <sys/stat.h>

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

  // Early argument checks (SPEC B §12.4 a), before any configuration is read.
  // The argument is an explicit path (B §5.3): normalized, not canonicalized.
  std::string file = normalize_user_path(ctx, arg);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    throw invalid_arguments("Configuration file not found: " + arg);
  }
  if (!S_ISREG(st.st_mode)) {
    throw invalid_arguments("Path is not a file: " + arg);
  }

  // ExplicitProject scope (B §4.2, §4.3): no cwd walk; trop.yaml and
  // trop.local.yaml bring their sibling, any other name is loaded alone.
  config_needs needs;
  needs.scope = config_scope::explicit_project;
  needs.explicit_file = file;
  needs.command_line = group_command_line_layer(opts.group);
  needs.uses_project_task = true;
  ctx.set_config_needs(std::move(needs));
  return run_group(opts.group, format, ctx, arg);
}

}  // namespace trop::cli
