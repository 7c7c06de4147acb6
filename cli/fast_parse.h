// A small argument matcher for the common case, driven by the same
// option_sink declarations as the CLI11 parser. Building a CLI11 App for a
// subcommand costs about half of a `trop reserve` process (CLI11 checks every
// new option against all earlier ones), so a command line made only of known
// long/short options, plain values and positionals is matched here; anything
// else (help, version, "--", "=" on a flag, a repeated option, a value that
// looks like an option, any error) returns false and the caller runs CLI11,
// which accepts or diagnoses it. The fast path therefore never accepts what
// CLI11 would refuse, and never prints.
// Thread safety: main thread only.
#pragma once

#include "command_line.h"

namespace trop::cli {

// Fills `inv` (globals, info, cmd) and returns true when argv is plainly
// valid for `info`; returns false and leaves `inv` untouched otherwise.
bool fast_parse(int argc, const char* const* argv, const command_info& info, invocation* inv);

}  // namespace trop::cli
