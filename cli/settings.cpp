#include "settings.h"

#include "errors.h"

namespace trop::cli {

void setup_globals(option_sink& sink, global_options& opts) {
  sink.path("--data-dir", &opts.data_dir, "Data directory (env TROP_DATA_DIR; default ~/.trop)");
  sink.number("--busy-timeout", &opts.busy_timeout, 0xFFFFFFFFu, "SECONDS",
              "Seconds to wait for the write lock, 0..2147483 (env TROP_BUSY_TIMEOUT; default 5)");
  sink.choice("--durability", &opts.durability, {"full", "normal"},
              "full: sync each commit before reporting it; normal: survive a killed process "
              "only (env TROP_DURABILITY; default full)");
  sink.flag("--disable-autoinit", &opts.disable_autoinit,
            "Do not create a missing store (env TROP_DISABLE_AUTOINIT)");
  sink.flag("-q,--quiet", &opts.quiet, "Suppress non-essential messages on stderr");
  sink.flag("-v,--verbose", &opts.verbose, "Explain decisions on stderr");
}

void apply_globals(const global_options& globals, config_layer* layer) {
  if (globals.busy_timeout) {
    layer->maximum_lock_wait_seconds = *globals.busy_timeout;
  }
  if (globals.durability) {
    layer->durability_mode =
        *globals.durability == "normal" ? durability::normal : durability::full;
  }
  if (globals.disable_autoinit) {
    layer->disable_autoinit = true;
  }
}

effective_settings resolve_settings(const global_options& globals, config_needs needs,
                                    const std::string& data_dir, const std::string& cwd,
                                    const env_lookup& getenv, std::vector<loaded_file>* files) {
  config_request req;
  req.data_dir = data_dir;
  req.cwd = cwd;
  req.scope = needs.scope;
  req.explicit_file = std::move(needs.explicit_file);
  req.command_line = std::move(needs.command_line);
  req.command_line.kind = config_origin::command_line;
  req.command_line.origin = std::string(kOriginCommandLine);
  apply_globals(globals, &req.command_line);
  req.getenv = getenv;
  req.uses_project_task = needs.uses_project_task;
  config_outcome out = load_config(req);
  if (files != nullptr) {
    *files = out.files;
  }
  if (!out.ok()) {
    throw config_failure(describe_config_errors(out.errors));
  }
  return std::move(out.config);
}

}  // namespace trop::cli
