// Argument checks shared by the reservation commands: the target path
// (SPEC B §5.3), tags (§6), --port values (§6) and the path guard (§5.4).
// Each throws the cli_error the contract names.
// Thread safety: main thread only (reads the context).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "context.h"

namespace trop::cli {

// --path, else TROP_PATH (explicit: normalized only), else the canonical cwd
// (implicit). Exit 2 for an empty TROP_PATH, exit 6 for a bad path.
std::string resolve_target_path(context& ctx, const std::optional<std::string>& path_flag);

// An explicit path normalized against the process cwd and $HOME. Exit 6 on
// a bad path; exit 7 when it starts with '~' and there is no home.
std::string normalize_user_path(context& ctx, std::string_view path);

// The trimmed tag, nullopt when absent. Exit 4 when empty after trimming.
std::optional<std::string> validated_tag(const std::optional<std::string>& tag);

// A port argument: decimal (a leading '+' accepted), 1..65535. Exit 4
// "Invalid arguments: Invalid port number: ..." otherwise.
std::uint16_t parse_port_argument(std::string_view text);
// The same for a named option: --min and --max say "invalid --min value: ...".
std::uint16_t parse_port_argument(std::string_view text, std::string_view option);

// A <PORT> positional typed u16 the way clap parses it (Rust's u16::from_str:
// an optional '+', decimal digits). Not a number or above 65535: a usage
// error naming `name` (exit 2). 0 passes; callers refuse it with port_zero().
std::uint16_t parse_u16_positional(std::string_view text, std::string_view name);
// "Invalid arguments: invalid port 0: port 0 is invalid" (exit 4), the error
// of assert-port and port-info for port 0 (SPEC B §12.10, §12.12).
cli_error port_zero();

// The path-relationship guard unless `bypass`. Exit 1 on a violation.
void enforce_path_guard(context& ctx, const std::string& target, bool bypass);

// ASCII whitespace trimmed from both ends (the engine's notion of trimmed).
std::string_view trim(std::string_view s);

}  // namespace trop::cli
