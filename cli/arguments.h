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

// The path-relationship guard unless `bypass`. Exit 1 on a violation.
void enforce_path_guard(context& ctx, const std::string& target, bool bypass);

// ASCII whitespace trimmed from both ends (the engine's notion of trimmed).
std::string_view trim(std::string_view s);

}  // namespace trop::cli
