// `trop exec [reserve flags] [--group [FILE]] [--lease] [--bind] -- <COMMAND> [ARGS]...`:
// reserve (or reuse) a port or a group, then run the command with the ports
// in its environment and arguments, forwarding signals, and exit with its
// status (docs/commands/exec.md). With --lease the reservation is owned by
// the command's process: the child is forked first and waits until the
// reservation naming it is committed. trop writes nothing to stdout: the
// command's stdout is the user's.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cmd_reserve.h"
#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct exec_options {
  reserve_options reserve;  // every flag of `trop reserve`
  bool group = false;       // --group [FILE]
  std::optional<std::string> group_file;
  bool lease = false;  // --lease: the reservation lapses when the command is gone
  bool bind = false;
  std::optional<std::string> bind_address;
  std::vector<std::string> command;  // after "--"
};

void setup_exec(option_sink& sink, exec_options& opts);
int run_exec(const exec_options& opts, context& ctx);

}  // namespace trop::cli
