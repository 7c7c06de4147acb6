// Exit codes and the error line (SPEC B §3, §14, A.1, A.2 #9/#11). Every
// failure of a command travels to main() as one cli_error; this file and
// errors.cpp are the only place that maps engine statuses to exit codes.
// Thread safety: values and pure functions; no shared state.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "trop/status.h"

namespace trop::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitSemantic = 1;  // failed assertion, sticky field, path guard
inline constexpr int kExitUsage = 2;     // command-line usage error
inline constexpr int kExitBusy = 2;      // lock wait timed out (shares 2 with usage: A.2 #9)
inline constexpr int kExitNoStore = 3;   // store missing and autoinit disabled
inline constexpr int kExitInvalidArguments = 4;
inline constexpr int kExitIo = 5;      // I/O raised by the CLI itself (cwd, stdout)
inline constexpr int kExitDomain = 6;  // any other library/domain error
inline constexpr int kExitConfig = 7;

// A failure on its way to main(): the exit code and the text that follows
// "Error: ". A usage failure is printed the way parse errors are instead
// ("error: <message>", then the usage line).
class cli_error : public std::exception {
 public:
  cli_error(int exit_code, std::string message, bool usage = false)
      : exit_code_(exit_code), message_(std::move(message)), usage_(usage) {}

  int exit_code() const { return exit_code_; }
  const std::string& message() const { return message_; }
  bool is_usage() const { return usage_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int exit_code_;
  std::string message_;
  bool usage_;
};

// "Invalid arguments: <detail>", exit 4. A detail that already carries the
// prefix keeps it once (A.2 #11).
cli_error invalid_arguments(std::string_view detail);
// "I/O error: <detail>", exit 5.
cli_error io_failure(std::string_view detail);
// "Configuration error: <detail>", exit 7.
cli_error config_failure(std::string_view detail);
// A semantic failure printed bare, exit 1.
cli_error semantic_failure(std::string_view message);
// A usage error found after parsing (an empty path from the environment), exit 2.
cli_error usage_failure(std::string_view message);
// The fixed autoinit text of SPEC B §2.3, exit 3.
cli_error store_missing();

// What the mapping needs besides the status itself.
struct failure_context {
  std::uint32_t busy_timeout_seconds = 0;
  std::string data_dir;
};

// Maps an engine status to the exit code and message of the contract:
//   busy -> 2 "database lock timeout while starting a write transaction after <N>s"
//   corruption -> 6 "database corruption detected: <detail>. <recovery advice>"
//   unsupported_version, foreign_format, io_error, not_found, conflict,
//   exhausted -> 6 with the engine's message
//   invalid_argument -> 4 "Invalid arguments: <message>"
//   sticky_violation -> 1 with the engine's message
// REQUIRES: !s.is_ok().
cli_error from_status(const status& s, const failure_context& ctx);

// A path-guard violation (trop::check_path_guard), exit 1 with its message.
cli_error guard_violation(const status& s);

// A bad explicit path or a failed canonicalization, exit 6 with its message.
cli_error path_failure(const status& s);

}  // namespace trop::cli
