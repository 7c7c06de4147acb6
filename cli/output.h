// stdout and stderr without iostreams (start-up cost, DESIGN.md): results go
// to stdout through stdio's buffer, diagnostics to stderr one line per call.
// Thread safety: stdio locks each call; callers write from one thread.
#pragma once

#include <string_view>

namespace trop::cli {

// Appends to stdout's buffer. Failures surface in finish_stdout().
void write_stdout(std::string_view text);

// Flushes stdout. Throws cli_error (exit 5, "I/O error: ...") when any write
// to stdout failed, e.g. a closed pipe (SIGPIPE is ignored for this reason).
void finish_stdout();

// Writes `line` plus '\n' to stderr in one call.
void write_stderr_line(std::string_view line);

// Writes `text` to stderr as is.
void write_stderr(std::string_view text);

}  // namespace trop::cli
