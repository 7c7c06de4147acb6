#include "cmd_compact_exclusions.h"

#include <sys/stat.h>

#include "exclusion_file.h"
#include "output.h"
#include "trop/formats/exclusion_edit.h"

namespace trop::cli {

void setup_compact_exclusions(option_sink& sink, compact_exclusions_options& opts) {
  sink.positional("PATH", &opts.path, true,
                  "Configuration file whose excluded_ports to compact (trop.yaml, "
                  "trop.local.yaml, config.yaml...)");
  sink.flag("--dry-run", &opts.dry_run, "Print the compacted list; change nothing");
}

int run_compact_exclusions(const compact_exclusions_options& opts, context& ctx) {
  config_needs needs;
  needs.scope = config_scope::none;  // SPEC B §4.3: no configuration resolved
  ctx.set_config_needs(std::move(needs));
  const std::string& path = opts.path.value_or("");
  if (path.empty()) {
    throw usage_failure("a value is required for '<PATH>' but none was supplied");
  }
  const std::optional<std::string> text = read_config_text(path);
  if (!text) {
    throw invalid_arguments(std::string("File not found: ") + path);
  }
  result<exclusion_edit_result> compacted = compact_exclusions(*text);
  if (!compacted) {
    throw exclusion_edit_failure(compacted.error(), path, exclusion_command::compact);
  }
  // Stdout, not affected by --quiet (SPEC B §12.18).
  if (compacted->before.empty()) {
    write_stdout("No exclusions to compact\n");
    return kExitOk;
  }
  if (!compacted->changed) {
    write_stdout("Exclusions already optimal\n");
    return kExitOk;
  }
  std::string out = std::string("Compacted ") + std::to_string(compacted->before.size()) +
                    " exclusions to " + std::to_string(compacted->after.size()) + "\n";
  if (opts.dry_run) {
    // A.2 #6: the new list in YAML syntax, as it would be written.
    out += std::string("Dry run - no changes made\nWould save:\n") +
           render_exclusions_yaml(compacted->after);
    write_stdout(out);
    return kExitOk;
  }
  write_config_atomically(path, compacted->text, 0644, false);
  write_stdout(out + "Updated " + path + "\n");
  return kExitOk;
}

}  // namespace trop::cli
