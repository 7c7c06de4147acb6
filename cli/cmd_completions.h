// `trop completions <bash|zsh|fish>`: a completion script for the command
// `trop` on stdout, generated from the parser's own option declarations
// (SPEC A.2 #7, B §12.22), with the enabling hints on stderr. Also the
// build-time generator of the man page and the three scripts (the hidden
// `trop __generate-docs <DIR>`, see docs/commands/completions.md).
// Reads no store and resolves no configuration.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct completions_options {
  std::optional<std::string> shell;
};

void setup_completions(option_sink& sink, completions_options& opts);
int run_completions(const completions_options& opts, context& ctx);

// The hidden first argument that selects generate_docs() in main().
inline constexpr std::string_view kGenerateDocsCommand = "__generate-docs";

// Writes trop.1, trop.bash, _trop and trop.fish into `dir` (which must
// exist). Returns the exit code; failures are reported on stderr.
int generate_docs(const std::string& dir);

}  // namespace trop::cli
