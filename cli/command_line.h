// Parsing argv into a global_options value and one ready-to-run command.
// Only the invoked subcommand's definition is built (start-up cost,
// DESIGN.md); the whole tree is built for --help, a missing or unknown
// subcommand. This is the only code that includes CLI11.
// Thread safety: main thread only.
#pragma once

#include <memory>
#include <string_view>

#include "commands.h"
#include "settings.h"

namespace trop::cli {

struct invocation {
  // >= 0 when parsing already finished the process (help, version, usage error).
  int exit_code = -1;
  const command_info* info = nullptr;
  std::unique_ptr<command> cmd;
  global_options globals;
};

// Parses the command line. Help and version go to stdout (exit 0); usage
// errors go to stderr as "error: <what>", a blank line and "Usage: ..." (exit 2).
invocation parse_command_line(int argc, const char* const* argv);

// The first argument that is neither an option nor the value of a global
// option (--data-dir X, --busy-timeout X, --durability X): the subcommand
// name, if any.
struct prescan_result {
  std::string_view word;               // empty when there is none
  const command_info* info = nullptr;  // nullptr when `word` names no subcommand
};
prescan_result prescan_subcommand(int argc, const char* const* argv);

// Prints a usage error found after parsing, in the parser's format.
void print_usage_error(std::string_view command_name, std::string_view message);

}  // namespace trop::cli
