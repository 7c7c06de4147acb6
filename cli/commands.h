// The subcommand table. Each subcommand is a file pair (cmd_<name>.h/.cpp)
// with an options struct, setup_<name>(option_sink&, options&) and
// run_<name>(const options&, context&) -> exit code; this table adapts them
// so that the parser can build only the one that was invoked.
// Thread safety: the table is immutable; a command is used by one thread.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

// One subcommand, its options bound to storage the parser writes into.
class command {
 public:
  virtual ~command() = default;
  virtual void setup(option_sink& sink) = 0;
  // Returns the exit code; failures may also throw cli_error.
  virtual int run(context& ctx) = 0;
};

struct command_info {
  std::string_view name;
  std::string_view summary;
  std::unique_ptr<command> (*make)();
};

std::span<const command_info> all_commands();
// nullptr when `name` is no subcommand.
const command_info* find_command(std::string_view name);

}  // namespace trop::cli
