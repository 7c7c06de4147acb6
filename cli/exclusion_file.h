// The configuration file that `exclude` and `scan --autoexclude` edit (SPEC
// A.2 #4), reading and atomically rewriting such a file, and the errors of
// an excluded_ports edit (trop/formats/exclusion_edit.h). Shared by exclude,
// scan and compact-exclusions.
// Thread safety: main thread only (reads the context).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "context.h"
#include "trop/status.h"

namespace trop::cli {

// The file an exclusion goes to: with `global`, <data-dir>/config.yaml;
// else the nearest project's trop.local.yaml if it has one, else its
// trop.yaml (discovered from the canonical cwd as the config loader does).
// No project file: exit 4, suggesting --global.
std::string exclusion_target(context& ctx, bool global);

// The whole file; nullopt when it does not exist (ENOENT, ENOTDIR). Other failures (a
// directory, permission denied): exit 5.
std::optional<std::string> read_config_text(const std::string& path);

// Replaces `path` with `text` atomically: a temporary file in the same
// directory, written, given the original's mode and owner (`new_mode` for a
// new file), fsync'ed and renamed over the original, then the directory is
// fsync'ed. A symlink is followed (the link stays, its target is replaced).
// `create_dir` creates the missing parent directory (mode 0700) first.
// Failure: exit 5 and the original untouched.
void write_config_atomically(const std::string& path, std::string_view text, mode_t new_mode,
                             bool create_dir);

// Which command an edit failure belongs to: they phrase parse errors
// differently (SPEC B §12.17, §12.18).
enum class exclusion_command { exclude, compact };

// The cli_error for a failed edit of `file`:
//   invalid_argument "invalid YAML: ..." -> exit 7 "Configuration error: Failed to parse
//       config: <file>: ..." (exclude) / "Configuration error: Parse error: <file>: ..." (compact)
//   invalid_argument "excluded_ports entry N: ..." -> exit 7 "Configuration error:
//       validation error for 'excluded_ports (<file>)': entry N: ..."
//   conflict (the file cannot be edited safely) -> exit 6 "<file>: cannot edit
//       excluded_ports safely: <why>; the file was not changed: edit it by hand"
//   anything else -> exit 6 with its message.
// REQUIRES: !s.is_ok().
cli_error exclusion_edit_failure(const status& s, const std::string& file, exclusion_command cmd);

}  // namespace trop::cli
