// Fuzz target: the command-line parser (cli/command_line.h). Input: the
// arguments after argv[0], separated by NUL bytes. parse_command_line must
// return (never throw, crash or exit) with either a finished exit code (help,
// version, usage error: 0 or 2) or a command to run.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "command_line.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The parser's help and usage text goes to /dev/null during the call only,
  // so that libFuzzer's and the sanitizers' reports stay visible (set
  // TROP_FUZZ_VERBOSE=1 to see the parser's output too).
  static const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  static const bool verbose = std::getenv("TROP_FUZZ_VERBOSE") != nullptr;
  std::vector<std::string> args{"trop"};
  std::string cur;
  for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  if (!cur.empty() || (size > 0 && data[size - 1] == 0)) {
    args.push_back(cur);
  }
  std::vector<const char*> argv;
  for (const std::string& a : args) {
    argv.push_back(a.c_str());
  }
  argv.push_back(nullptr);
  std::fflush(stdout);
  const int saved_out = verbose ? -1 : ::dup(1);
  const int saved_err = verbose ? -1 : ::dup(2);
  if (!verbose) {
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
  }
  trop::cli::invocation inv =
      trop::cli::parse_command_line(static_cast<int>(args.size()), argv.data());
  std::fflush(stdout);
  if (!verbose) {
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
  }
  if (inv.exit_code >= 0) {
    TROP_FUZZ_CHECK(inv.exit_code == 0 || inv.exit_code == 2);
  } else {
    TROP_FUZZ_CHECK(inv.cmd != nullptr && inv.info != nullptr);
  }
  return 0;
}
