// Shell completion scripts for the command `trop` (SPEC A.2 #7, B §12.22),
// rendered from a cli_catalog, i.e. from the same option declarations the
// parser uses: every subcommand, every flag, the choices of choice options
// and positionals, and file completion for path values.
// Thread safety: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>

#include "command_catalog.h"

namespace trop::cli {

// `version` goes into the header comment. Each script ends with a newline.
//   bash: defines _trop and registers it with `complete -F _trop trop`
//         (sourced from ~/.bashrc or bash-completion's completions dir).
//   zsh:  a `#compdef trop` function file (for $fpath as `_trop`), which
//         also works through `eval "$(trop completions zsh)"` after compinit.
//   fish: `complete -c trop ...` lines (for completions/trop.fish, or `| source`).
std::string render_bash_completion(const cli_catalog& catalog, std::string_view version);
std::string render_zsh_completion(const cli_catalog& catalog, std::string_view version);
std::string render_fish_completion(const cli_catalog& catalog, std::string_view version);

}  // namespace trop::cli
