#include "errors.h"

namespace trop::cli {
namespace {

std::string with_prefix_once(std::string_view prefix, std::string_view detail) {
  if (detail.substr(0, prefix.size()) == prefix) {
    return std::string(detail);
  }
  std::string out(prefix);
  out.append(detail);
  return out;
}

constexpr std::string_view kCorruptionPrefix = "database corruption detected: ";

}  // namespace

cli_error invalid_arguments(std::string_view detail) {
  return {kExitInvalidArguments, with_prefix_once("Invalid arguments: ", detail)};
}

cli_error io_failure(std::string_view detail) {
  return {kExitIo, with_prefix_once("I/O error: ", detail)};
}

cli_error config_failure(std::string_view detail) {
  return {kExitConfig, with_prefix_once("Configuration error: ", detail)};
}

cli_error semantic_failure(std::string_view message) {
  return {kExitSemantic, std::string(message)};
}

cli_error usage_failure(std::string_view message) {
  return {kExitUsage, std::string(message), /*usage=*/true};
}

cli_error store_missing() {
  return {kExitNoStore, "Data directory not found (use --data-dir or enable auto-init)"};
}

cli_error from_status(const status& s, const failure_context& ctx) {
  switch (s.code()) {
    case error_code::busy:
      // The engine's own wording is not the contract: the CLI owns this line (A.1).
      return {kExitBusy, "database lock timeout while starting a write transaction after " +
                             std::to_string(ctx.busy_timeout_seconds) + "s"};
    case error_code::corruption: {
      std::string_view detail = s.message();
      if (detail.substr(0, kCorruptionPrefix.size()) == kCorruptionPrefix) {
        detail.remove_prefix(kCorruptionPrefix.size());
      }
      std::string msg(kCorruptionPrefix);
      msg.append(detail);
      msg += ". Make a copy of the data directory (" + ctx.data_dir +
             ") before recovery; then delete it to start over with an empty store, or "
             "restore a known-good backup. trop did not modify or repair the stored data";
      return {kExitDomain, std::move(msg)};
    }
    case error_code::invalid_argument:
      return invalid_arguments(s.message());
    case error_code::sticky_violation:
      return semantic_failure(s.message());
    case error_code::ok:  // not a failure; reported as an internal error rather than hidden
      return {kExitDomain, "internal error: success reported as a failure"};
    case error_code::unsupported_version:
    case error_code::foreign_format:
    case error_code::io_error:
    case error_code::not_found:
    case error_code::conflict:
    case error_code::exhausted:
    case error_code::crashed:
      break;
  }
  return {kExitDomain, s.message()};
}

cli_error guard_violation(const status& s) {
  return semantic_failure(s.message());
}

cli_error path_failure(const status& s) {
  return {kExitDomain, s.message()};
}

}  // namespace trop::cli
