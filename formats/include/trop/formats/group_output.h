// Output of a group allocation (`reserve-group`, `autoreserve`; SPEC B §13.2)
// and the environment-variable names it uses (B §4.6 with A.2 #27, A.3).
// Thread safety: pure functions; detect_shell calls only the lookup it is
// given. Safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trop/status.h"

namespace trop {

// Longest environment-variable name, in bytes.
inline constexpr std::size_t kMaxEnvVarNameBytes = 255;

// The shells `--format export` can write for.
enum class shell_kind { bash, zsh, fish, powershell };

// The four `--format` values of reserve-group / autoreserve.
enum class group_format { export_vars, json, dotenv, human };

// "bash", "zsh", "fish", "powershell".
std::string_view to_string(shell_kind s);

// "export", "json", "dotenv" or "human", exactly (the flag is case-sensitive,
// SPEC B §12.4); nullopt for anything else.
std::optional<group_format> parse_group_format(std::string_view name);

// `--shell`, ASCII case-insensitive: bash|sh, zsh, fish, powershell|pwsh|ps.
// Errors: invalid_argument "validation error for 'shell': unknown shell type
// '<name>': supported shells are bash, zsh, fish, powershell" (the name the
// user typed is echoed as is).
result<shell_kind> parse_shell(std::string_view name);

// Shell auto-detection without `--shell` (SPEC B §13.2): ZSH_VERSION set ->
// zsh; else FISH_VERSION -> fish; else PSModulePath -> powershell; else SHELL
// containing "zsh" -> zsh, "fish" -> fish, "pwsh" or "powershell" ->
// powershell; otherwise (SHELL unset too) bash. A variable counts as set
// when `getenv` returns non-null, even for an empty value. Never fails.
// REQUIRES: getenv is callable.
shell_kind detect_shell(const std::function<const char*(const char*)>& getenv);

// True when `name` matches `[A-Za-z_][A-Za-z0-9_]*` and has at most
// kMaxEnvVarNameBytes bytes (ASCII only).
bool is_valid_env_var_name(std::string_view name);

// The name derived from a group tag (A.2 #27): the tag trimmed of ASCII
// whitespace, which must then be ASCII; uppercased, '-' turned into '_'.
// nullopt when the result is not a valid name (is_valid_env_var_name).
std::optional<std::string> env_var_name_from_tag(std::string_view tag);

// One service as seen by name resolution. The views must outlive the call.
struct group_env_source {
  std::string_view tag;                 // as configured; trimmed here
  std::optional<std::string_view> env;  // explicit `env`, used exactly as given
};

// Resolves and validates the environment-variable name of every service, in
// input order: the explicit `env`, else the name derived from the trimmed tag.
// Call it before anything is stored (config validation, reserve-group).
// Rules: each trimmed tag is non-empty, valid UTF-8, has no NUL and at most 255 bytes;
// trimmed tags are unique; an explicit env is a valid name; a derived name is
// valid; the resolved names are unique ignoring ASCII case.
// Errors (invalid_argument, the first problem in input order): the message is
// "validation error for '<field>': <what>" with field
// `reservations.services.tag`, `reservations.services.env` or
// `environment_variable`, and names services by their 1-based position. It
// never contains any text of a tag or an env (they may hold newlines, quotes,
// `$()`).
result<std::vector<std::string>> resolve_group_env_names(
    std::span<const group_env_source> services);

// One allocated service.
struct group_port {
  std::string tag;                 // as configured; trimmed before use
  std::optional<std::string> env;  // explicit name, or derive from the tag
  std::uint16_t port = 0;          // 1..65535
};

// Renders an allocation in `format` (`shell` matters only for export_vars).
// Services one per line in byte-wise order of their trimmed tags:
//   export, bash/zsh   `export NAME=PORT`
//   export, fish       `set -x NAME PORT`
//   export, powershell `$env:NAME="PORT"`
//   dotenv             `NAME=PORT`
//   json               pretty object `{ "tag": port }` keyed by trimmed tag
//                      (sorted, 2-space indent, `{}` when empty)
//   human              `Reserved ports:` then `  <tag>: <port>`, the tag
//                      escaped like the `list` table (escape_tsv_field);
//                      `No ports reserved.` when empty
// The result ends with exactly one newline (export/dotenv with no services:
// "\n", the original's println of an empty string).
// Errors: everything resolve_group_env_names reports (names are checked for
// every format, SPEC B §4.6), and invalid_argument "validation error for
// 'port': ..." for a port 0. On error nothing is rendered.
result<std::string> render_group(std::span<const group_port> ports, group_format format,
                                 shell_kind shell);

}  // namespace trop
