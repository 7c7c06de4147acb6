// trop: the command-line entry point. Parse, run one command, map the
// outcome to the exit codes of SPEC B §3.
#include <csignal>
#include <new>
#include <string_view>

#include "cmd_completions.h"
#include "command_line.h"
#include "context.h"
#include "errors.h"
#include "output.h"

int main(int argc, char** argv) {
  using namespace trop::cli;
  // A closed stdout (e.g. `trop list | head -1`) must be an I/O error (exit 5),
  // not a silent death by signal.
  std::signal(SIGPIPE, SIG_IGN);

  // The build-time generator of the man page and completion scripts
  // (cli/CMakeLists.txt); hidden from --help and from the completions.
  if (argc == 3 && std::string_view(argv[1]) == kGenerateDocsCommand) {
    return generate_docs(argv[2]);
  }

  invocation inv = parse_command_line(argc, argv);
  if (inv.exit_code >= 0) {
    try {
      finish_stdout();
    } catch (const cli_error& e) {
      write_stderr_line("Error: " + e.message());
      return e.exit_code();
    }
    return inv.exit_code;
  }

  context ctx(std::move(inv.globals), std::string(inv.info->name));
  try {
    check_global_environment(ctx.globals());
    int code = inv.cmd->run(ctx);
    finish_stdout();
    return code;
  } catch (const cli_error& e) {
    if (e.is_usage()) {
      print_usage_error(ctx.command_name(), e.message());
    } else {
      write_stderr_line("Error: " + e.message());
    }
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    write_stderr_line("Error: out of memory");
    return kExitDomain;
  } catch (const std::exception& e) {
    write_stderr_line(std::string("Error: internal error: ") + e.what());
    return kExitDomain;
  }
}
