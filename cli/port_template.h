// The `{port}` / `{port:TAG}` placeholders of `trop exec` arguments
// (docs/commands/exec.md): how an argument is expanded once the ports are
// known, and the check that runs before anything is reserved or started.
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "trop/status.h"

namespace trop::cli {

// One reserved port and the tag that names it: the --tag of a single
// reservation (nullopt without one), or a group service's trimmed tag.
struct port_binding {
  std::optional<std::string> tag;
  std::uint16_t port = 0;
};

// Expands the placeholders of one argument:
//   {port}        the port of a single binding (an error with several:
//                 name one with {port:TAG})
//   {port:TAG}    the port whose tag is exactly TAG
//   {{port        the literal text "{port" (so "{{port}" is "{port}")
// Every other brace is literal ("{}", "{{.Name}}", "${PORT}", "{portal}").
// Errors (invalid_argument, exit 2 for the caller): an unknown or empty TAG,
// "{port:" without a closing '}', {port} with several bindings or none.
result<std::string> expand_port_placeholders(std::string_view arg,
                                             std::span<const port_binding> bindings);

}  // namespace trop::cli
