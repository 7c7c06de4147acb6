// The trop(1) manual page, rendered in roff (man macros) from a cli_catalog,
// i.e. from the same option declarations as `trop --help`: NAME, SYNOPSIS,
// DESCRIPTION, GLOBAL OPTIONS, COMMANDS (one subsection per command with its
// arguments and flags), EXIT STATUS, ENVIRONMENT, FILES, SEE ALSO.
// Thread safety: a pure function of its arguments.
#pragma once

#include <string>
#include <string_view>

#include "command_catalog.h"

namespace trop::cli {

std::string render_man_page(const cli_catalog& catalog, std::string_view version);

// `s` as roff text: backslashes as \e, hyphens as \- (so that options copy
// and paste as typed), and a leading '.' or '\'' protected by \&.
std::string roff_escape(std::string_view s);

}  // namespace trop::cli
